import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { ensureDemoCollection } from '../../src/demo/demo-collection';
import { useCliSystem } from '../support/test-harness';
import { uniqueName, waitFor } from '../support/test-system';

const ROOT = resolve(__dirname, '..', '..');

describe('selfheal CLI against a running system', () => {
  const sys = useCliSystem('cli');
  const cli = (...argv: string[]) => sys.cli(...argv);
  let collection: string;
  beforeAll(async () => {
    collection = uniqueName('cli');
    await ensureDemoCollection(sys.db.pool, collection, 'public', collection, 100_000);
  });

  it('drills, triggers a healing attempt and shows it in history with --json', async () => {
    const drill = await cli('drill', 'IndexFragmentation', collection, '--json');
    expect(drill.code).toBe(0);
    expect(JSON.parse(drill.out).report.indexes[0].density_after).toBeLessThan(25);

    const status = await cli('status', collection, '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.out)[0]).toMatchObject({ collection, state: expect.stringMatching(/stress|critical/), enabled: true });

    const trigger = await cli('trigger', collection, '--json');
    expect({ code: trigger.code, err: trigger.err }).toEqual({ code: 0, err: '' });
    expect(JSON.parse(trigger.out).outcome).toMatchObject({ kind: 'Completed', strategy: 'compact_indexes', verified: true });

    const history = await cli('history', '--since', '1h', '--limit', '5', '--collection', collection, '--json');
    expect(history.code).toBe(0);
    const [entry] = JSON.parse(history.out);
    expect(entry).toMatchObject({ collection, problem_class: 'IndexFragmentation', strategy: 'compact_indexes', success: true, verified: true });
    expect(entry.improvement).toBeGreaterThan(0.1);

    const human = await cli('history', '--collection', collection);
    expect(human.out).toMatch(/IndexFragmentation → compact_indexes: success, verified/);
  });

  it('`drill RunawayQuery` holds its statement until an attempt cancels it, then reports the fault cleared', async () => {
    const c = uniqueName('clihold');
    await ensureDemoCollection(sys.db.pool, c, 'public', c, 10_000);
    expect((await cli('configure', '{"runaway_query_seconds": 1, "stabilization_wait": 0}', '--collection', c)).code).toBe(0);
    const drill = cli('drill', 'RunawayQuery', c, '--hold', '60s', '--json');
    // The statement becomes runaway after 1 s; the attempt then finds and cancels it.
    await waitFor('the runaway statement', async () => (await sys.db.pool.query("SELECT 1 FROM pg_stat_activity WHERE application_name = 'selfheal drill: runaway statement' AND now() - query_start > interval '1.5 s'")).rows.length > 0);
    const trigger = await cli('trigger', c, '--json');
    expect(JSON.parse(trigger.out).outcome).toMatchObject({ kind: 'Completed', strategy: 'cancel_runaway_query', verified: true });
    const held = await drill;
    expect(held.code).toBe(0);
    expect(JSON.parse(held.out)).toMatchObject({ problem_class: 'RunawayQuery', outcome: 'healed' });
    expect(await cli('drill', 'RunawayQuery', c, '--hold', 'forever')).toMatchObject({ code: 2, err: expect.stringMatching(/--hold takes a span/) });
  });

  it('answers bad input with a clear message and exit code, and changes nothing', async () => {
    const before = (await sys.db.pool.query('SELECT count(*)::int AS n FROM ruvector.healing_attempts')).rows[0].n;
    expect(await cli('trigger', 'no_such_collection')).toMatchObject({ code: 3, err: expect.stringMatching(/no collection named "no_such_collection"/) });
    expect(await cli('trigger', 'bad name!')).toMatchObject({ code: 2, err: expect.stringMatching(/collection/) });
    expect(await cli('trigger')).toMatchObject({ code: 2, err: expect.stringMatching(/usage: selfheal trigger/) });
    expect(await cli('history', '--since', 'yesterday')).toMatchObject({ code: 2, err: expect.stringMatching(/--since takes/) });
    expect(await cli('history', '--limit', '0')).toMatchObject({ code: 2, err: expect.stringMatching(/limit/) });
    expect(await cli('history', '--frobnicate', '1')).toMatchObject({ code: 2, err: expect.stringMatching(/unknown option --frobnicate/) });
    expect(await cli('drill', 'DiskFull', collection)).toMatchObject({ code: 2, err: expect.stringMatching(/drills exist for: HotspotCongestion/) });
    expect(await cli('explode')).toMatchObject({ code: 2, err: expect.stringMatching(/unknown command "explode"/) });
    const json = await cli('trigger', 'no_such_collection', '--json');
    expect(JSON.parse(json.out)).toEqual({ error: expect.stringMatching(/^no collection named "no_such_collection": `selfheal list` shows the watched ones, `selfheal watch <schema.table> --as no_such_collection` adds one$/) });
    expect((await sys.db.pool.query('SELECT count(*)::int AS n FROM ruvector.healing_attempts')).rows[0].n).toBe(before);
  });

  it('runs as `selfheal` through its bin entry', () => {
    const r = spawnSync(process.execPath, [resolve(ROOT, 'bin', 'selfheal.js'), '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/usage: selfheal <command>/);
    const bad = spawnSync(process.execPath, [resolve(ROOT, 'bin', 'selfheal.js')], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
  });
});
