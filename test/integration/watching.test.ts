import { drillHotspotCongestion } from '../../src/drills/hotspot-congestion';
import { getCollection, listCollections } from '../../src/postgres/collections';
import { storeHealingConfig } from '../../src/postgres/outcome-store';
import { displayIdent } from '../../src/postgres/quote-ident';
import { syncWatchedTables } from '../../src/postgres/sync-watched';
import { watchTable } from '../../src/postgres/watch-table';
import { guardianStatus } from '../../src/temporal/guardian-client';
import { startHealingAttempt } from '../../src/temporal/start-attempt';
import { vectorCollection } from '../support/collections';
import { useCliSystem } from '../support/test-harness';
import { uniqueName, waitFor } from '../support/test-system';
import { testAudit } from '../support/test-audit';

/** A user's own tables, in a schema and with names no demo uses. */
describe('watching a real database: watch, list, unwatch, rules, renames and drops, kinds', () => {
  const sys = useCliSystem('watch');
  const cli = (...argv: string[]) => sys.cli(...argv);
  const schema = uniqueName('Sales');
  const q = (t: string) => `"${schema}"."${t}"`;
  /** The database's guardian guards the collection (it knows it and samples it). */
  const guardianRunning = async (name: string) => (await guardianStatus(sys.w.client, sys.db.key, name)) !== null;
  const events = async (name: string) =>
    (
      await sys.db.pool.query(
        'SELECT e.event, e.detail FROM ruvector.watch_events e ' +
          'JOIN ruvector.collections c ON c.id = e.collection_id WHERE c.name = $1 ORDER BY e.id',
        [name],
      )
    ).rows;

  beforeAll(async () => {
    // The application's schema and tables, owned by the application's role, as in production.
    await sys.db.pool.query(`CREATE SCHEMA "${schema}" AUTHORIZATION app_owner`);
    await sys.db.pool.query(`CREATE TABLE ${q('Order Items')} (id bigint PRIMARY KEY, body text)`);
    await sys.db.pool.query(`INSERT INTO ${q('Order Items')} SELECT g, md5(g::text) FROM generate_series(1, 2000) g`);
    await sys.db.pool.query(`CREATE VIEW ${q('v_orders')} AS SELECT * FROM ${q('Order Items')}`);
    await sys.db.pool.query(
      `CREATE TABLE ${q('events')} (id bigint, day int, PRIMARY KEY (id, day)) PARTITION BY LIST (day)`,
    );
    await sys.db.pool.query(`CREATE TABLE ${q('events_1')} PARTITION OF ${q('events')} FOR VALUES IN (1)`);
    // Everything this database's collections do, quickly: the watcher and guardians pass every 2 s.
    await storeHealingConfig(sys.db.pool, '*', { check_interval: 2, stabilization_wait: 0 });
  });

  it('watches one table under a name, starts its guardian, and lists it; watching it again changes nothing', async () => {
    const w = await cli('watch', q('Order Items'), '--as', 'orders', '--json');
    expect({ code: w.code, err: w.err }).toEqual({ code: 0, err: '' });
    expect(JSON.parse(w.out)).toMatchObject({
      created: true,
      collection: { name: 'orders', kind: 'table', table_schema: schema, table_name: 'Order Items', source: 'manual' },
    });
    await waitFor('the database guardian to guard orders', () => guardianRunning('orders'));
    await waitFor('a first sample of orders', async () => {
      const l = JSON.parse((await cli('list', '--json')).out);
      return l.collections.find(
        (c: { collection: string; last_sample_at: string | null }) => c.collection === 'orders' && c.last_sample_at,
      );
    });
    const list = await cli('list');
    // The table as PostgreSQL needs it typed, quoted only where it must be: pasted back, it names the table.
    expect(list.out).toMatch(new RegExp(`orders\\s+${schema}\\."Order Items"\\s+table\\s+\\d`));
    const listed = JSON.parse((await cli('list', '--json')).out).collections.find(
      (c: { collection: string }) => c.collection === 'orders',
    ).table;
    expect(listed).toBe(`${schema}."Order Items"`);
    const again = await cli('watch', listed, '--as', 'orders', '--json');
    expect(JSON.parse(again.out).created).toBe(false);
    expect((await cli('watch', listed, '--as', 'orders')).out).toMatch(
      new RegExp(`^already watching ${schema}\\."Order Items" as collection "orders"`),
    );
    expect((await events('orders')).filter((e) => e.event === 'watched')).toHaveLength(1);
  });

  it("shows a name bare exactly where the server's quote_ident would: keywords, case, spaces, quotes", async () => {
    const names = ['orders', '_x1', 'Orders', 'Sales Data', 'Order-Lines', 'a$b', '1abc', 'é', 'a"b', 'user', 'name'];
    const { rows } = await sys.db.pool.query<{ name: string; quoted: string }>(
      `SELECT n AS name, quote_ident(n) AS quoted
         FROM unnest($1::text[] || ARRAY(SELECT word FROM pg_get_keywords())) AS n`,
      [names],
    );
    expect(rows.filter((r) => displayIdent(r.name) !== r.quoted)).toEqual([]);
  });

  it('refuses what cannot be watched, says why, and changes nothing', async () => {
    const before = (await sys.db.pool.query('SELECT count(*)::int AS n FROM ruvector.collections')).rows[0].n;
    expect(await cli('watch', q('v_orders'))).toMatchObject({ code: 5, err: expect.stringMatching(/is not a table/) });
    expect(await cli('watch', q('events_1'))).toMatchObject({
      code: 5,
      err: expect.stringMatching(/is a partition of .*watch the partitioned table/),
    });
    expect(await cli('watch', 'pg_catalog.pg_class')).toMatchObject({
      code: 5,
      err: expect.stringMatching(/system schema/),
    });
    expect(await cli('watch', 'ruvector.collections')).toMatchObject({
      code: 5,
      err: expect.stringMatching(/ruvector\.collections is selfheal's own \(schema ruvector holds its store\)/),
    });
    // Not there is not found (3), as for a collection.
    expect(await cli('watch', `${schema}.nope`)).toMatchObject({
      code: 3,
      err: expect.stringMatching(/does not exist/),
    });
    expect(await cli('watch', 'public.does_not_exist')).toMatchObject({
      code: 3,
      err: expect.stringMatching(/^selfheal watch: table public\.does_not_exist does not exist/),
    });
    // A glob with what only other glob dialects mean is refused, not stored to match nothing.
    for (const bad of ['[', 'app_[0-9]*', '{a,b}.*', 'app.'])
      expect(await cli('watch', '--database', '--include', bad)).toMatchObject({
        code: 2,
        err: expect.stringMatching(/^selfheal watch: include\.0: glob ".*": /),
      });
    expect(await cli('watch', '--database', '--exclude', '*_tmp,[x]')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/exclude\.1: glob "\[x\]": globs take \* and \? only/),
    });
    expect(await cli('watch', 'a.b.c.d')).toMatchObject({ code: 5, err: expect.stringMatching(/not a table name/) });
    expect(await cli('watch', q('events'), '--kind', 'ivf')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/needs --centroids/),
    });
    expect(await cli('watch', q('events'), '--centroids', q('events'))).toMatchObject({
      code: 2,
      err: expect.stringMatching(/add --kind ivf/),
    });
    expect(await cli('watch', q('events'), '--kind', 'ivf', '--centroids', q('Order Items'))).toMatchObject({
      code: 5,
      err: expect.stringMatching(/lacks partition_id, centroid/),
    });
    expect(await cli('watch', q('Order Items'), '--as', 'other')).toMatchObject({
      code: 5,
      err: expect.stringMatching(/already watched as "orders"/),
    });
    expect(await cli('watch', q('events'), '--as', 'orders')).toMatchObject({
      code: 5,
      err: expect.stringMatching(/already watches another table/),
    });
    expect(await cli('watch', q('events'), '--as', 'bad name!')).toMatchObject({ code: 2 });
    expect(await cli('watch', '--database', '--min-size', 'huge')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--min-size takes a size/),
    });
    expect((await sys.db.pool.query('SELECT count(*)::int AS n FROM ruvector.collections')).rows[0].n).toBe(before);
    expect((await sys.db.pool.query('SELECT count(*)::int AS n FROM ruvector.watch_rules')).rows[0].n).toBe(0);
  });

  it("follows a rename by the table's OID, reporting it once, and keeps sampling it", async () => {
    await sys.db.pool.query(`ALTER TABLE ${q('Order Items')} RENAME TO "Order Lines"`);
    // Before any sync, the collection already reads the renamed table.
    expect(await getCollection(sys.db.pool, 'orders')).toMatchObject({
      table_name: 'Order Lines',
      table_oid: expect.any(Number),
    });
    const first = await syncWatchedTables(sys.db.pool, testAudit.signer);
    expect(first.renamed).toEqual([
      { collection: 'orders', from: `${schema}."Order Items"`, to: `${schema}."Order Lines"` },
    ]);
    expect((await syncWatchedTables(sys.db.pool, testAudit.signer)).renamed).toEqual([]);
    expect((await events('orders')).filter((e) => e.event === 'renamed')).toHaveLength(1);
    const h = await startHealingAttempt(sys.w.client, {
      collection: 'orders',
      taskQueue: sys.w.taskQueue,
      trigger: 'test',
    });
    // Healthy: nothing to heal, but the attempt sampled the renamed table.
    expect(await h.result()).toMatchObject({ kind: 'Deferred', reason: expect.stringMatching(/nothing to heal/) });
  });

  it('a rule watches every matching table now and picks up a new one within a check interval; a dropped table is unwatched once and its guardian stops', async () => {
    await sys.db.pool.query(
      `CREATE TABLE ${q('big_a')} AS SELECT g AS id, repeat('x', 500) AS pad FROM generate_series(1, 3000) g`,
    );
    await sys.db.pool.query(`CREATE TABLE ${q('tiny_b')} (id int)`);
    await sys.db.pool.query(
      `CREATE TABLE ${q('skip_me')} AS SELECT g AS id, repeat('x', 500) AS pad FROM generate_series(1, 3000) g`,
    );
    const w = await cli(
      'watch',
      '--database',
      '--include',
      `${schema}.*`,
      '--exclude',
      '*skip*',
      '--min-size',
      '1MB',
      '--json',
    );
    expect({ code: w.code, err: w.err }).toEqual({ code: 0, err: '' });
    const r = JSON.parse(w.out);
    expect(r.watched).toEqual(['big_a']);
    expect(r.rule).toMatchObject({ include: [`${schema}.*`], exclude: ['*skip*'], min_size_bytes: 1024 * 1024 });
    await waitFor('the guardian of big_a', () => guardianRunning('big_a'));

    // Created after the rule: the watcher (running since `watch --database`) picks it up.
    await sys.db.pool.query(
      `CREATE TABLE ${q('big_c')} AS SELECT g AS id, repeat('y', 500) AS pad FROM generate_series(1, 3000) g`,
    );
    const pickedAt = Date.now();
    await waitFor(
      'big_c watched by the rule',
      async () => (await listCollections(sys.db.pool)).some((c) => c.name === 'big_c' && c.source === 'rule'),
      15_000,
      200,
    );
    expect(Date.now() - pickedAt).toBeLessThan(2000 + 3000);
    await waitFor('the guardian of big_c', () => guardianRunning('big_c'));
    const names = (await listCollections(sys.db.pool)).map((c) => c.name);
    expect(names).not.toContain('tiny_b');
    expect(names).not.toContain('skip_me');

    // Dropped: unwatched once (by the watcher or by this sync, whichever comes first), never an error loop.
    await sys.db.pool.query(`DROP TABLE ${q('big_a')}`);
    await waitFor('big_a unwatched', async () =>
      (await listCollections(sys.db.pool, { includeUnwatched: true })).find(
        (c) => c.name === 'big_a' && c.unwatched_at,
      ),
    );
    await waitFor('the guardian of big_a to stop', async () => !(await guardianRunning('big_a')), 15_000, 200);
    await new Promise((res) => setTimeout(res, 4500));
    expect((await events('big_a')).map((e) => e.event)).toEqual(['watched', 'unwatched']);
    expect((await events('big_a'))[1].detail).toMatch(/was dropped/);
    const all = JSON.parse((await cli('list', '--all', '--json')).out);
    expect(all.collections.find((c: { collection: string }) => c.collection === 'big_a')).toMatchObject({
      state: 'unwatched',
      unwatch_reason: `table ${schema}.big_a was dropped`,
    });
    // The listing says why, not only that.
    expect((await cli('list', '--all')).out).toMatch(
      new RegExp(`big_a\\s+${schema}\\.big_a\\s+table\\s+-\\s+unwatched: table ${schema}\\.big_a was dropped`),
    );
  });

  it('unwatch stops the guardian, keeps the history, and a rule does not watch the table again', async () => {
    const u = await cli('unwatch', 'big_c', '--comment', 'not ours');
    expect({ code: u.code, err: u.err }).toMatchObject({ code: 0, err: '' });
    await waitFor('the guardian of big_c to stop', async () => !(await guardianRunning('big_c')), 15_000, 200);
    expect((await syncWatchedTables(sys.db.pool, testAudit.signer)).watched).toEqual([]);
    expect(await cli('trigger', 'big_c')).toMatchObject({
      code: 3,
      err: expect.stringMatching(/no longer watched .*not ours.*selfheal watch/),
    });
    expect(await cli('unwatch', 'no_such')).toMatchObject({
      code: 3,
      err: expect.stringMatching(/no collection named/),
    });
  });

  it('a hotspot on a table collection never moves its rows: the partition movers refuse, and no row changes partition', async () => {
    // Shaped like an IVF collection, centroids table beside it, but watched as a plain table.
    const name = await vectorCollection(
      sys.db.pool,
      { stabilization_wait: 0, check_interval: 3600, approval_timeout: 2 },
      2000,
    );
    const { collection: c } = await watchTable(
      sys.db.pool,
      { table: `public.${name}`, name, kind: 'table' },
      testAudit,
    );
    expect(c).toMatchObject({ kind: 'table', centroids_table: null });
    const placement = async () =>
      (await sys.db.pool.query(`SELECT id::int8 AS id, partition_id FROM public.${name} ORDER BY id`)).rows.map(
        (r) => `${r.id}:${r.partition_id}`,
      );
    const before = await placement();
    const run = await drillHotspotCongestion(sys.db.pool, sys.db.url, c, { force: true });
    try {
      // The drill returns once its writers run; the load window needs a moment of their work.
      await new Promise((res) => setTimeout(res, 3000));
      const h = await startHealingAttempt(sys.w.client, {
        collection: name,
        taskQueue: sys.w.taskQueue,
        trigger: 'test',
      });
      const outcome = await h.result();
      expect(outcome).toMatchObject({ problem: { class: 'HotspotCongestion' } });
      expect(['rebalance_partitions', 'drain_hot_partition', 'throttle_ingestion']).not.toContain(
        (outcome as { strategy?: string }).strategy,
      );
      const row = (
        await sys.db.pool.query(
          'SELECT status, strategy_name, reason FROM ruvector.healing_attempts ORDER BY id DESC LIMIT 1',
        )
      ).rows[0];
      // scale_replicas waits for a person (no one approves here, so it is Deferred), or it goes to a person outright.
      expect(row.reason).toMatch(/rebalance_partitions runs only on ivf collections|approval|needs a person/);
      // A manual request for a mover is refused before anything runs.
      const m = await startHealingAttempt(sys.w.client, {
        collection: name,
        taskQueue: sys.w.taskQueue,
        trigger: 'test',
        strategy: 'drain_hot_partition',
      });
      expect(await m.result()).toMatchObject({
        kind: 'Deferred',
        reason: expect.stringMatching(/drain_hot_partition runs only on ivf collections/),
      });
    } finally {
      await run.held?.release();
    }
    expect(await placement()).toEqual(before);
  });
});
