import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { COMMAND_NAMES, describeError } from '../../src/cli/main';
import { ensureDemoCollection } from '../../src/demo/demo-collection';
import { ensureVectorCollection } from '../../src/demo/vector-collection';
import { useCliSystem } from '../support/test-harness';
import { uniqueName, waitFor } from '../support/test-system';
import { testAudit } from '../support/test-audit';

const ROOT = resolve(__dirname, '..', '..');

describe('selfheal CLI against a running system', () => {
  const sys = useCliSystem('cli');
  const cli = (...argv: string[]) => sys.cli(...argv);
  let collection: string;
  beforeAll(async () => {
    collection = uniqueName('cli');
    await ensureDemoCollection(sys.db.pool, testAudit, collection, 'public', collection, 100_000);
  });

  it('drills, triggers a healing attempt and shows it in history with --json', async () => {
    const drill = await cli('drill', 'IndexFragmentation', collection, '--json');
    expect(drill.code).toBe(0);
    expect(JSON.parse(drill.out).report.indexes[0].density_after).toBeLessThan(25);

    const status = await cli('status', collection, '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.out)[0]).toMatchObject({
      collection,
      state: expect.stringMatching(/stress|critical/),
      enabled: true,
    });

    const trigger = await cli('trigger', collection, '--json');
    expect({ code: trigger.code, err: trigger.err }).toEqual({ code: 0, err: '' });
    expect(JSON.parse(trigger.out).outcome).toMatchObject({
      kind: 'Completed',
      strategy: 'compact_indexes',
      verified: true,
    });

    const history = await cli('history', '--since', '1h', '--limit', '5', '--collection', collection, '--json');
    expect(history.code).toBe(0);
    const [entry] = JSON.parse(history.out);
    expect(entry).toMatchObject({
      collection,
      problem_class: 'IndexFragmentation',
      strategy: 'compact_indexes',
      success: true,
      verified: true,
    });
    expect(entry.improvement).toBeGreaterThan(0.1);

    const human = await cli('history', '--collection', collection);
    expect(human.out).toMatch(/IndexFragmentation → compact_indexes: success, verified/);
  });

  it('`drill RunawayQuery` holds its statement until an attempt cancels it, then reports the fault cleared', async () => {
    const c = uniqueName('clihold');
    await ensureDemoCollection(sys.db.pool, testAudit, c, 'public', c, 10_000);
    expect(
      (await cli('configure', '{"runaway_query_seconds": 1, "stabilization_wait": 0}', '--collection', c)).code,
    ).toBe(0);
    const drill = cli('drill', 'RunawayQuery', c, '--hold', '60s', '--json');
    // The statement becomes runaway after 1 s; the attempt then finds and cancels it.
    await waitFor(
      'the runaway statement',
      async () =>
        (
          await sys.db.pool.query(
            'SELECT 1 FROM pg_stat_activity ' +
              "WHERE application_name = 'selfheal drill: runaway statement' AND now() - query_start > interval '1.5 s'",
          )
        ).rows.length > 0,
    );
    const trigger = await cli('trigger', c, '--json');
    const outcome = JSON.parse(trigger.out).outcome as { kind: string };
    // When it did not heal, the whole outcome (its reason) is the message, not a diff of three fields.
    if (outcome.kind !== 'Completed') throw new Error(`the attempt did not heal: ${trigger.out}`);
    expect(outcome).toMatchObject({
      kind: 'Completed',
      strategy: 'cancel_runaway_query',
      verified: true,
    });
    const held = await drill;
    expect(held.code).toBe(0);
    expect(JSON.parse(held.out)).toMatchObject({ problem_class: 'RunawayQuery', outcome: 'healed' });
    expect(await cli('drill', 'RunawayQuery', c, '--hold', 'forever')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--hold takes a span/),
    });
  });

  it('answers bad input with a clear message and exit code, and changes nothing', async () => {
    const before = (await sys.db.pool.query('SELECT count(*)::int AS n FROM ruvector.healing_attempts')).rows[0].n;
    expect(await cli('trigger', 'no_such_collection')).toMatchObject({
      code: 3,
      err: expect.stringMatching(/no collection named "no_such_collection"/),
    });
    expect(await cli('status', 'no_such_collection')).toMatchObject({
      code: 3,
      err: expect.stringMatching(/no collection named "no_such_collection": `selfheal list`/),
    });
    expect(await cli('trigger', 'bad name!')).toMatchObject({ code: 2, err: expect.stringMatching(/collection/) });
    expect(await cli('trigger')).toMatchObject({ code: 2, err: expect.stringMatching(/usage: selfheal trigger/) });
    expect(await cli('history', '--since', 'yesterday')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--since takes/),
    });
    expect(await cli('history', '--limit', '0')).toMatchObject({ code: 2, err: expect.stringMatching(/limit/) });
    expect(await cli('history', '--frobnicate', '1')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/unknown option --frobnicate/),
    });
    expect(await cli('drill', 'DiskFull', collection)).toMatchObject({
      code: 2,
      err: expect.stringMatching(/drills exist for: HotspotCongestion/),
    });
    expect(await cli('explode')).toMatchObject({ code: 2, err: expect.stringMatching(/unknown command "explode"/) });
    const json = await cli('trigger', 'no_such_collection', '--json');
    expect(JSON.parse(json.out)).toEqual({
      error: expect.stringMatching(
        /^no collection named "no_such_collection": `selfheal list` shows the watched ones, `selfheal watch <schema.table> --as no_such_collection` adds one$/,
      ),
    });
    expect((await sys.db.pool.query('SELECT count(*)::int AS n FROM ruvector.healing_attempts')).rows[0].n).toBe(
      before,
    );
  });

  it('reports a misspelt option as unknown wherever it stands, last or not, for every command', async () => {
    for (const name of COMMAND_NAMES) {
      for (const argv of [
        [name, '--bogus'],
        [name, 'x', '--bogus'],
        [name, '--bogus', '--json'],
      ]) {
        const r = await cli(...argv);
        expect({ argv, code: r.code, err: r.err }).toEqual({
          argv,
          code: 2,
          err: expect.stringMatching(/: unknown option --bogus \(this command takes --json/),
        });
      }
    }
    expect(await cli('trigger', collection, '--nowait')).toMatchObject({
      code: 2,
      err: `selfheal trigger: unknown option --nowait (this command takes --json, --no-wait)`,
    });
    expect(await cli('status', '--bogus')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/unknown option --bogus/),
    });
    // A known option without its value still says so.
    expect(await cli('history', '--since')).toMatchObject({ code: 2, err: 'selfheal history: --since needs a value' });
    expect(await cli('history', '--limit', '--json')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--limit needs a value/),
    });
  });

  it('configure names the setting, its bounds and the keys it could have meant, and changes nothing', async () => {
    const stored = async () =>
      (await sys.db.pool.query('SELECT scope, config FROM ruvector.healing_config ORDER BY scope')).rows;
    const before = await stored();
    const refused = async (arg: string, code: number, err: string | RegExp, ...more: string[]) =>
      expect(await cli('configure', arg, ...more)).toMatchObject({
        code,
        err: typeof err === 'string' ? `selfheal configure: ${err}` : expect.stringMatching(err),
      });
    await refused(
      '{"min_healing_interval": 60}',
      3,
      'no collection named "nope": `selfheal list` shows the watched ones, `selfheal watch <schema.table> --as nope` ' +
        'adds one',
      '--collection',
      'nope',
    );
    await refused(
      '/tmp/selfheal-does-not-exist.json',
      2,
      `no file /tmp/selfheal-does-not-exist.json: give the path of a JSON file, or the JSON itself ` +
        `('{"min_healing_interval": 600}')`,
    );
    await refused('{"min_healing_interval": ', 2, /^selfheal configure: the configuration is not valid JSON: /);
    // The SQL interface's wording (ruvector.check_config), the likeliest key first.
    await refused(
      '{"checkinterval": 5}',
      2,
      /^selfheal configure: unknown setting "checkinterval" \(did you mean check_interval\? known: approval_timeout, .*check_interval, .*max_attempts_per_hour, /,
    );
    await refused('{"check_interval": 0}', 2, 'check_interval: 0 is too small (at least 1)');
    await refused('{"max_auto_heal_impact": 2}', 2, 'max_auto_heal_impact: 2 is too large (at most 1)');
    await refused('{"stress_ratio": 0}', 2, 'stress_ratio: 0 is too small (above 0)');
    await refused('{"max_attempts_per_window": 2.5}', 2, 'max_attempts_per_window: expected a whole number, not 2.5');
    await refused('{"enabled": "yes"}', 2, 'enabled: expected boolean but got string');
    expect(await stored()).toEqual(before);
  });

  it('configure --show prints the configuration in effect and where each value comes from', async () => {
    const c = uniqueName('clishow');
    await ensureDemoCollection(sys.db.pool, testAudit, c, 'public', c, 1000);
    expect((await cli('configure', '{"ineffective_after": 5}')).code).toBe(0);
    expect((await cli('configure', '{"ineffective_after": 7, "approval_timeout": 600}', '--collection', c)).code).toBe(
      0,
    );
    const shown = await cli('configure', '--show', '--collection', c, '--json');
    expect({ code: shown.code, err: shown.err }).toEqual({ code: 0, err: '' });
    const { scope, settings } = JSON.parse(shown.out);
    expect(scope).toBe(c);
    expect(settings).toMatchObject({
      ineffective_after: { value: 7, from: 'collection' },
      approval_timeout: { value: 600, from: 'collection' },
      check_interval: { value: 60, from: 'default' },
    });
    const all = JSON.parse((await cli('configure', '--show', '--json')).out);
    expect(all.scope).toBe('*');
    expect(all.settings.ineffective_after).toEqual({ value: 5, from: '*' });
    expect(all.settings.approval_timeout).toEqual({ value: 3600, from: 'default' });
    const human = (await cli('configure', '--show', '--collection', c)).out;
    expect(human).toMatch(new RegExp(`^configuration of collection ${c}:`));
    expect(human).toMatch(new RegExp(`\\n  ineffective_after +7  \\(set for ${c}\\)\\n`));
    expect(human).toMatch(/\n {2}check_interval +60\n/);
    expect((await cli('configure', '--show')).out).toMatch(
      /\n {2}ineffective_after +5 {2}\(set for all collections \('\*'\)\)\n/,
    );
    expect(await cli('configure', '--show', '--collection', 'nope')).toMatchObject({ code: 3 });
    expect(await cli('configure', '--show', '{"enabled": false}')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/configure --show takes no configuration/),
    });
    // The tests after this one run with the default again.
    expect((await cli('configure', '{"ineffective_after": 3}')).code).toBe(0);
  });

  it('validates every input before it reaches the database: action ids, limits, spans, dates', async () => {
    const bigintMessage =
      /the action id is a whole number from 1 to 9223372036854775807 \(as `selfheal pending` lists them\), not "/;
    for (const id of ['1e99', '9223372036854775808', '0', '-1', '7.5', '0x10', ' 7']) {
      const r = await cli('approve', id);
      expect(r).toMatchObject({ code: 2, err: expect.stringMatching(bigintMessage) });
      expect(r.err).not.toMatch(/invalid input syntax|bigint/);
    }
    // Within bigint range, but past any id this system hands out: no such action, and no query.
    expect(await cli('abort', '9223372036854775807')).toMatchObject({
      code: 3,
      err: expect.stringMatching(/no action 9223372036854775807$/),
    });
    expect(await cli('history', '--limit', 'abc')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--limit takes a whole number from 1 to 10000, not "abc"/),
    });
    expect(await cli('history', '--limit', '1e3')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--limit takes a whole number/),
    });
    for (const since of ['2026-02-30', '2026-13-01', '99999999999d', '2026-01-01T25:00:00Z', '1969-12-31']) {
      expect(await cli('history', '--since', since)).toMatchObject({
        code: 2,
        err: expect.stringMatching(/--since takes a span/),
      });
    }
    expect((await cli('history', '--since', '2026-01-31T12:00:00Z', '--json')).code).toBe(0);
    expect(await cli('drill', 'RunawayQuery', collection, '--hold', '99999999d')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--hold takes a span .* \(from 1s to 168h\)/),
    });
    expect(await cli('pause', collection, '--by', 'x'.repeat(201))).toMatchObject({
      code: 2,
      err: expect.stringMatching(/^selfheal pause: by: /),
    });
  });

  it('a drill checks its requirements against the collection first, and says which collections it applies to', async () => {
    const vectors = uniqueName('clivec');
    await ensureVectorCollection(sys.db.pool, testAudit, vectors, 'public', vectors, 200);
    const rowsOf = async (t: string) =>
      (await sys.db.pool.query(`SELECT count(*)::int AS n FROM public.${t}`)).rows[0].n;
    const before = await rowsOf(vectors);
    const r = await cli('drill', 'IndexFragmentation', vectors);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      `the IndexFragmentation drill does not apply to collection ${vectors} (public.${vectors}: it is ` +
        `partitioned): it needs a plain (not partitioned) table with a btree index`,
    );
    expect(r.err).toMatch(new RegExp(`It applies to: (.*, )?${collection}(,|$)`));
    expect(r.err).not.toMatch(new RegExp(`It applies to: .*${vectors}`));
    expect(r.err).not.toMatch(/column "payload"|does not exist/);
    expect(await rowsOf(vectors)).toBe(before);

    const hot = await cli('drill', 'HotspotCongestion', collection, '--json');
    expect(hot.code).toBe(2);
    expect(JSON.parse(hot.out).error).toMatch(
      new RegExp(
        `^the HotspotCongestion drill does not apply to collection ${collection} \\(public\\.${collection}` +
          `: it is not LIST-partitioned\\): .* It applies to: (.*, )?${vectors}(,|$)`,
      ),
    );
    expect(await cli('drill', 'StaleStatistics', vectors)).toMatchObject({
      code: 2,
      err: expect.stringMatching(/it is partitioned/),
    });
  });

  it("answers a PostgreSQL failure with what to do, not the driver's words", async () => {
    const saved = process.env.DATABASE_URL;
    try {
      // Nothing listens there.
      process.env.DATABASE_URL = 'postgres://selfheal@127.0.0.1:1/selfheal';
      expect(await cli('history')).toMatchObject({
        code: 1,
        err:
          'selfheal history: cannot reach PostgreSQL at 127.0.0.1:1 (connection refused): is selfheal running ' +
          '(`npm start`)? Otherwise check DATABASE_URL',
      });

      // A role with no rights on this database: which right is missing, and how to grant it.
      const role = uniqueName('norights');
      await sys.db.pool.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pw'`);
      const url = new URL(saved!);
      url.username = role;
      url.password = 'pw';
      process.env.DATABASE_URL = url.toString();
      const denied = await cli('history');
      expect(denied.code).toBe(5);
      expect(denied.err).toMatch(/^selfheal history: PostgreSQL: permission denied for (schema|database) \S+ — /);
      // With USAGE on the store's schema but no right on its tables (what selfheal_viewer has), a
      // read-only command is told which table, qualified, and which role the README says to use.
      await sys.db.pool.query(`GRANT CONNECT ON DATABASE "${url.pathname.slice(1)}" TO ${role}`);
      await sys.db.pool.query(`GRANT USAGE ON SCHEMA ruvector TO ${role}`);
      const table = await cli('list');
      expect(table).toMatchObject({
        code: 5,
        err:
          'selfheal list: PostgreSQL: permission denied for table schema_migrations — table ' +
          "ruvector.schema_migrations is selfheal's own store: the CLI connects as the role selfheal runs as, " +
          "which owns schema ruvector (deploy/sql/selfheal-role.sql creates it, see the README's Least " +
          'privilege): set DATABASE_URL to that role. A person who should only read or decide calls the SQL ' +
          'functions instead, granted by deploy/sql/selfheal-operators.sql (README, SQL interface)',
      });
      // A user's table: the right to read it, not writes a command never makes.
      const t = uniqueName('private');
      await sys.db.pool.query(`CREATE TABLE public.${t} (id int)`);
      const c = await sys.db.pool.connect();
      try {
        const e = await c.query(`SET ROLE ${role}`).then(() =>
          c.query(`SELECT * FROM public.${t}`).then(
            () => null,
            (x: unknown) => x,
          ),
        );
        expect(describeError(e)).toEqual({
          code: 5,
          message:
            `PostgreSQL: permission denied for table ${t} — the role in DATABASE_URL may not read table ${t}: ` +
            `GRANT SELECT ON ${t} TO it (qualified with its schema); what selfheal's strategies change needs the ` +
            "rights in the README's Least privilege",
        });
      } finally {
        await c.query('RESET ROLE');
        c.release();
      }
    } finally {
      process.env.DATABASE_URL = saved;
    }
    // An undefined table, as PostgreSQL reports it: a collection's table, or selfheal's own.
    const err = async (sql: string) =>
      sys.db.pool.query(sql).then(
        () => null,
        (e: unknown) => e,
      );
    expect(describeError(await err('SELECT * FROM public.no_such_table'))).toEqual({
      code: 3,
      message:
        'PostgreSQL: relation "public.no_such_table" does not exist — table public.no_such_table does not ' +
        "exist: if it is a collection's table it was dropped; `selfheal list --all` shows what is watched, " +
        '`selfheal watch <schema.table>` watches it again',
    });
    expect(describeError(await err('SELECT * FROM ruvector.no_such_table')).message).toMatch(
      /selfheal's own table ruvector\.no_such_table is missing: run `selfheal migrate`/,
    );
  });

  it('runs as `selfheal` through its bin entry', () => {
    const r = spawnSync(process.execPath, [resolve(ROOT, 'bin', 'selfheal.js'), '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/usage: selfheal <command>/);
    const bad = spawnSync(process.execPath, [resolve(ROOT, 'bin', 'selfheal.js')], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
  });
});
