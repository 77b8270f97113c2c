import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { sweepOrphanedData } from '../../src/infra/orphaned-data-sweep';
import { standInFor, type StandIn } from '../../src/infra/postgres-stand-in';

describe('stand-in data directories (as root, for data the postgres user cannot reach)', () => {
  let home: string;
  let checkouts: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'selfheal-home-'));
    checkouts = mkdtempSync(join(tmpdir(), 'selfheal-checkouts-'));
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
    rmSync(checkouts, { recursive: true, force: true });
  });

  it('are keyed by the absolute path asked for: the same checkout finds the same one, another checkout another', () => {
    const a = standInFor(home, '/root/selfheal/.data/postgres');
    expect(standInFor(home, '/root/selfheal/.data/postgres')).toEqual(a);
    expect(standInFor(home, relative(process.cwd(), '/root/selfheal/.data/postgres'))).toEqual(a);
    expect(standInFor(home, '/root/other/.data/postgres').dir).not.toBe(a.dir);
    expect(a.dir).toMatch(new RegExp(`^${home}/data-[0-9a-f]{16}$`));
    expect(a.dataDir).toBe(join(a.dir, 'pgdata'));
  });

  function make(asked: string, opts: { linked: boolean; ageMs: number }): StandIn {
    const s = standInFor(home, asked);
    mkdirSync(s.dataDir, { recursive: true });
    writeFileSync(s.originFile, `${asked}\n`);
    if (opts.linked) {
      mkdirSync(join(asked, '..'), { recursive: true });
      symlinkSync(s.dataDir, asked);
    }
    const t = (Date.now() - opts.ageMs) / 1000;
    utimesSync(s.originFile, t, t);
    return s;
  }

  it('nobody links to any more are swept; linked, young, running ones and other entries are kept', () => {
    const linked = make(join(checkouts, 'kept', '.data', 'postgres'), { linked: true, ageMs: 3_600_000 });
    const orphan = make(join(checkouts, 'deleted', '.data', 'postgres'), { linked: false, ageMs: 3_600_000 });
    const young = make(join(checkouts, 'starting', '.data', 'postgres'), { linked: false, ageMs: 0 });
    const running = make(join(checkouts, 'killed', '.data', 'postgres'), { linked: false, ageMs: 3_600_000 });
    writeFileSync(join(running.dataDir, 'postmaster.pid'), `${process.pid}\n${running.dataDir}\n`);
    const relinked = make(join(checkouts, 'relinked', '.data', 'postgres'), { linked: false, ageMs: 3_600_000 });
    // A real directory now, not our link.
    mkdirSync(join(checkouts, 'relinked', '.data', 'postgres'), { recursive: true });
    mkdirSync(join(home, 'bin-linux-x64-17.10.0'));
    mkdirSync(join(home, 'pg15-abc'));

    expect(sweepOrphanedData(home).sort()).toEqual([orphan.dir, relinked.dir].sort());
    for (const kept of [linked, young, running]) expect(existsSync(kept.dataDir)).toBe(true);
    expect(existsSync(join(home, 'bin-linux-x64-17.10.0'))).toBe(true);
    expect(existsSync(join(home, 'pg15-abc'))).toBe(true);
  });
});
