import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const TOP = ['src', 'workflows', 'activities'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** src/<folder> for the core's folders, else the top folder: the units whose imports must run one way. */
function unitOf(file: string): string {
  const [top, sub, rest] = relative(ROOT, file).split('/');
  return top === 'src' && rest !== undefined ? `src/${sub}` : top!;
}

/** Every relative import (types too) of a file, resolved to a file. */
function importsOf(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/(?:from|import\()\s*['"](\.[^'"]+)['"]/g)].flatMap((m) => {
    const base = resolve(dirname(file), m[1]!);
    const hit = [`${base}.ts`, join(base, 'index.ts')].find((p) => existsSync(p));
    return hit ? [hit] : [];
  });
}

describe('the layout', () => {
  it('imports between folders run one way: no folder reaches back into one that imports it', () => {
    const edges = new Map<string, Set<string>>();
    for (const file of TOP.flatMap((t) => sourceFiles(join(ROOT, t)))) {
      for (const target of importsOf(file)) {
        const [a, b] = [unitOf(file), unitOf(target)];
        if (a !== b) edges.set(a, (edges.get(a) ?? new Set()).add(b));
      }
    }
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const visit = (u: string): void => {
      state.set(u, 'open');
      path.push(u);
      for (const v of edges.get(u) ?? []) {
        if (state.get(v) === 'open') cycles.push([...path.slice(path.indexOf(v)), v].join(' → '));
        else if (!state.has(v)) visit(v);
      }
      path.pop();
      state.set(u, 'done');
    };
    for (const u of edges.keys()) if (!state.has(u)) visit(u);
    expect(cycles).toEqual([]);
    // The pure core depends on no adapter.
    for (const core of ['src/domain', 'src/graph', 'src/sensor', 'src/classifier', 'src/guardian']) {
      expect([
        core,
        [...(edges.get(core) ?? [])].filter((d) => !['src/domain', 'src/graph', 'src/sensor'].includes(d)),
      ]).toEqual([core, []]);
    }
  });
});
