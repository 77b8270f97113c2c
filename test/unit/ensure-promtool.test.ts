import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePromtool, findPromtool, PROMTOOL_MODULE, PROMTOOL_VERSION } from '../../src/infra/ensure-promtool';

describe('ensurePromtool', () => {
  const saved = { ...process.env };
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'selfheal-promtool-'));
    // A stand-in for Go that "builds" promtool into GOBIN, slowly, and counts its builds.
    writeFileSync(
      join(dir, 'go'),
      [
        '#!/bin/sh',
        `echo "$*" >> "${dir}/builds"`,
        '/bin/sleep 1',
        '/bin/mkdir -p "$GOBIN"',
        `printf '#!/bin/sh\\necho promtool stand-in\\n' > "$GOBIN/promtool"`,
        '/bin/chmod +x "$GOBIN/promtool"',
      ].join('\n'),
    );
    chmodSync(join(dir, 'go'), 0o755);
    // Only the stand-in: a promtool installed on this machine must not be found instead.
    process.env.PATH = dir;
    process.env.XDG_CACHE_HOME = join(dir, 'cache');
    delete process.env.PROMTOOL;
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds once into the user cache when callers ask at once, and finds the build afterwards', async () => {
    expect(findPromtool()).toBeUndefined();
    const lines: string[] = [];
    const [a, b] = await Promise.all([ensurePromtool((l) => lines.push(l)), ensurePromtool((l) => lines.push(l))]);
    const built = join(dir, 'cache', 'selfheal', `promtool-${PROMTOOL_VERSION}`, 'promtool');
    expect([a, b]).toEqual([built, built]);
    expect(readFileSync(join(dir, 'builds'), 'utf8')).toBe(`install ${PROMTOOL_MODULE}@v${PROMTOOL_VERSION}\n`);
    expect(lines.filter((l) => l.startsWith('Built promtool'))).toHaveLength(1);
    // Nothing half-done is left beside it, and the next call finds it without building.
    expect(existsSync(`${built.replace(/\/promtool$/, '')}.lock`)).toBe(false);
    expect(findPromtool()).toBe(built);
    await ensurePromtool();
    expect(readFileSync(join(dir, 'builds'), 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('PROMTOOL names the binary, and a wrong one is refused', async () => {
    process.env.PROMTOOL = join(dir, 'go');
    expect(await ensurePromtool()).toBe(join(dir, 'go'));
    process.env.PROMTOOL = join(dir, 'nothing-here');
    expect(() => findPromtool()).toThrow(/PROMTOOL=.*is not an executable file/);
  });
});
