import { builtinModules } from 'node:module';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import bannedPackages from '../../workflow-io-packages.json';

const ROOT = resolve(__dirname, '..', '..');
/**
 * Packages that do I/O or are not deterministic: never imported (except as types) by workflow code.
 * ESLint reads the same list.
 */
const BANNED_PACKAGES: readonly string[] = bannedPackages;
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Value imports (not `import type`) and requires of one file. */
export function valueImports(source: string): string[] {
  const out: string[] = [];
  const re = /^\s*(import|export)\s+(?!type\b)([^'";]*?\bfrom\s+)?['"]([^'"]+)['"]/gm;
  for (let m = re.exec(source); m; m = re.exec(source)) out.push(m[3]!);
  for (const m of source.matchAll(/\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  return out;
}

function resolveLocal(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  return [`${base}.ts`, join(base, 'index.ts'), base].find((p) => existsSync(p) && statSync(p).isFile());
}

/** Every module workflow code reaches through value imports, starting from workflows/. */
function walkWorkflowGraph(): { file: string; spec: string }[] {
  const seen = new Set<string>();
  const offences: { file: string; spec: string }[] = [];
  const queue = readdirSync(join(ROOT, 'workflows'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(ROOT, 'workflows', f));
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of valueImports(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) {
        const target = resolveLocal(file, spec);
        if (!target) offences.push({ file, spec: `${spec} (unresolved)` });
        else if (target.startsWith(join(ROOT, 'activities')))
          offences.push({ file, spec: `${spec} (activities: import type only)` });
        else queue.push(target);
      } else if (BUILTINS.has(spec) || BANNED_PACKAGES.some((p) => spec === p || spec.startsWith(`${p}/`))) {
        offences.push({ file, spec });
      }
    }
  }
  return offences;
}

describe('workflow code stays deterministic', () => {
  it('imports no Node built-in, I/O package or activity module, directly or through src/', () => {
    const offences = walkWorkflowGraph().map((o) => `${o.file.slice(ROOT.length + 1)} imports ${o.spec}`);
    expect(offences).toEqual([]);
  });

  it('the guard sees value imports and requires, and lets `import type` through', () => {
    const src = [
      "import { Client } from 'pg';",
      "import type { Pool } from 'pg';",
      "import * as fs from 'node:fs';",
      "export { x } from './x';",
      "const k = require('@kubernetes/client-node');",
    ].join('\n');
    expect(valueImports(src)).toEqual(['pg', 'node:fs', './x', '@kubernetes/client-node']);
  });
});
