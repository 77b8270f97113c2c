import type { Client as PgClient } from 'pg';
import { ensureVectorCollection } from '../../src/demo/vector-collection';
import { drillIndexFragmentation } from '../../src/drills/index-fragmentation';
import { parseHealingConfig, type HealingConfig } from '../../src/domain/healing-config';
import { analyzeAfterWrites } from '../../src/postgres/analyze-after-writes';
import { getCollection, listCollections, type Collection } from '../../src/postgres/collections';
import { watchTable } from '../../src/postgres/watch-table';
import { withClient, type Pool, type PoolClient } from '../../src/postgres/pool';
import { qualifiedName, quoteIdent } from '../../src/postgres/quote-ident';
import { RoundTripCounter } from '../../src/probes/round-trip-counter';
import { sampleCollection } from '../../src/probes/sample-collection';
import { sampleDatabase, type DatabaseSample } from '../../src/probes/sample-database';
import type { CollectionStats, IndexStats } from '../../src/sensor/collection-stats';
import { integrityOf } from '../../src/sensor/integrity-sample';
import { classifyProblem } from '../../src/classifier/classify-problem';
import { tableUnderSlowAutovacuum } from '../support/collections';
import { samplePerTable } from '../support/per-table-sample';
import { createTestDatabase, uniqueName, waitFor, type TestDatabase } from '../support/test-system';
import { testAudit } from '../support/test-audit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ROWS = 200_000;

/** id bigint key and an md5 payload, autovacuum off so nothing moves between two reads; analyzed. */
async function plainTable(
  pool: Pool,
  name: string,
  rows: number,
  opts: { payloadIndex?: boolean; expressionIndex?: boolean } = {},
): Promise<Collection> {
  const t = qualifiedName('public', name);
  await withClient(pool, async (s) => {
    await s.query(`CREATE TABLE ${t} (id bigint PRIMARY KEY, payload text NOT NULL) WITH (autovacuum_enabled = false)`);
    await s.query(`INSERT INTO ${t} SELECT g, md5(g::text) FROM generate_series(1, $1::int) g`, [rows]);
    // Built after the load, so it is as dense as a fresh build (random inserts would split pages: ~70 %).
    if (opts.payloadIndex) await s.query(`CREATE INDEX ${quoteIdent(`${name}_payload`)} ON ${t} (payload)`);
    // Its statistics are the index's own (ANALYZE gathers them for the expression).
    if (opts.expressionIndex) await s.query(`CREATE INDEX ${quoteIdent(`${name}_lower`)} ON ${t} (lower(payload), id)`);
    await analyzeAfterWrites(s, t);
  });
  return (await watchTable(pool, { table: `public.${name}`, name }, testAudit)).collection;
}

/**
 * Four of every five rows deleted in key order and vacuumed away (the IndexFragmentation drill,
 * which vacuums again while a passing snapshot holds the deleted rows): every leaf keeps a fifth
 * of its entries.
 */
async function bloatedTable(pool: Pool, name: string): Promise<Collection> {
  const c = await plainTable(pool, name, ROWS);
  const report = await drillIndexFragmentation(pool, c, { force: true });
  expect(report.indexes).toEqual([expect.objectContaining({ density_after: expect.any(Number) })]);
  expect(report.indexes[0]!.density_after!).toBeLessThan(25);
  return getCollection(pool, name);
}

/** Blocks of the index read or found in shared buffers, as the statistics have counted them. */
async function indexBlocksTouched(pool: Pool, indexOid: number): Promise<number> {
  const { rows } = await pool.query(
    'SELECT (coalesce(idx_blks_read, 0) + coalesce(idx_blks_hit, 0))::float8 AS n FROM pg_statio_all_indexes ' +
      'WHERE indexrelid = $1',
    [indexOid],
  );
  return rows[0].n;
}

/** A pass on one session whose statistics are flushed right after, so pg_statio shows what it read. */
async function passOn(
  session: PoolClient,
  collections: Collection[],
  config: HealingConfig,
): Promise<{ pass: DatabaseSample; sent: readonly string[] }> {
  const counter = new RoundTripCounter(session);
  const pass = await sampleDatabase(counter, collections, config, { noWait: true });
  await session.query('SELECT pg_stat_force_next_flush()');
  await session.query('SELECT 1');
  return { pass, sent: counter.statements };
}

const byName = (pass: DatabaseSample, name: string): CollectionStats => {
  const s = pass.collections.find((x) => x.collection === name);
  if (!s) throw new Error(`no stats for ${name} in the pass (missing: ${JSON.stringify(pass.missing)})`);
  return s;
};
const indexNamed = (s: CollectionStats, suffix: string): IndexStats => s.indexes.find((i) => i.name.endsWith(suffix))!;

/** What does not move between two reads of a quiet database: ages, durations and rates left out. */
function stable(s: CollectionStats) {
  const { xid_age: _x, analysis, ...table } = s.table;
  return {
    collection: s.collection,
    table: { ...table, analysis: analysis.map(({ analyzed_age_seconds: _a, stale_for_seconds: _s, ...p }) => p) },
    indexes: s.indexes.map((i) => ({
      oid: i.oid,
      name: i.name,
      size_bytes: i.size_bytes,
      is_btree: i.is_btree,
      is_valid: i.is_valid,
    })),
    maintenance: s.maintenance.map(({ running_seconds: _r, ...j }) => j),
    blocking_chains: s.blocking_chains.map(({ root_xact_seconds: _r, longest_wait_seconds: _l, ...c }) => c),
    runaway_queries: s.runaway_queries.map(({ running_seconds: _r, ...q }) => q),
    connections: { max_connections: s.connections.max_connections, reserved: s.connections.reserved },
    partitioning: s.partitioning && {
      ...s.partitioning,
      window_ms: 0,
      partitions: s.partitioning.partitions.map(({ ops_per_s: _o, ...p }) => p),
    },
    work_mem: s.memory.work_mem_bytes,
    slots: s.slots,
    replicas: s.replicas,
  };
}

describe('the database pass: every watched table in a fixed number of statements', () => {
  let db: TestDatabase;
  let healthy: Collection;
  let small: Collection;
  let bloated: Collection;
  let stale: Collection;
  let vectors: Collection;
  const config = parseHealingConfig({ blocked_session_min_seconds: 0, runaway_query_seconds: 1 });

  beforeAll(async () => {
    db = await createTestDatabase('sampledb');
    healthy = await plainTable(db.pool, uniqueName('healthy'), ROWS, { payloadIndex: true, expressionIndex: true });
    small = await plainTable(db.pool, uniqueName('small'), 5000, { payloadIndex: true });
    bloated = await bloatedTable(db.pool, uniqueName('bloated'));
    // Statistics stale: half the rows changed since ANALYZE, autovacuum off.
    stale = await plainTable(db.pool, uniqueName('stale'), 5000);
    await withClient(db.pool, async (s) => {
      await s.query(
        `UPDATE ${qualifiedName('public', stale.table_name)} SET payload = payload || 'x' WHERE id % 2 = 0`,
      );
      await s.query('SELECT pg_stat_force_next_flush()');
      await s.query('SELECT 1');
    });
    const v = uniqueName('vectors');
    await ensureVectorCollection(db.pool, testAudit, v, 'public', v, 2000);
    for (let p = 0; p < 4; p++)
      await db.pool.query(`ALTER TABLE ${qualifiedName('public', `${v}_p${p}`)} SET (autovacuum_enabled = false)`);
    vectors = await getCollection(db.pool, v);
  });
  afterAll(async () => db?.drop());

  it('gives each collection what the per-table path gave: tables, leaves, indexes, jobs, lock chains, runaway statements, partitions, server parts', async () => {
    const jobs = await tableUnderSlowAutovacuum(db.pool);
    const withJobs = await getCollection(db.pool, jobs.collection);
    // A row lock held idle in transaction on `small` with two sessions queued behind it, and a
    // statement sleeping while it holds `healthy`.
    const sessions = await Promise.all([0, 1, 2, 3].map(() => db.pool.connect()));
    const [root, w1, w2, runaway] = sessions as [PoolClient, PoolClient, PoolClient, PoolClient];
    const pidOf = (s: PoolClient) => (s as unknown as PgClient & { processID: number }).processID;
    const pending: Promise<unknown>[] = [];
    try {
      await root.query('BEGIN');
      await root.query(`SELECT 1 FROM ${qualifiedName('public', small.table_name)} WHERE id = 1 FOR UPDATE`);
      pending.push(
        w1
          .query(`SELECT 1 FROM ${qualifiedName('public', small.table_name)} WHERE id = 1 FOR UPDATE`)
          .catch(() => undefined),
      );
      pending.push(
        w2
          .query(`SELECT 1 FROM ${qualifiedName('public', small.table_name)} WHERE id = 1 FOR UPDATE`)
          .catch(() => undefined),
      );
      pending.push(
        runaway
          .query(`SELECT pg_sleep(60) FROM ${qualifiedName('public', healthy.table_name)} LIMIT 1`)
          .catch(() => undefined),
      );
      await sleep(1200);

      const all = [healthy, small, bloated, stale, vectors, withJobs];
      const reference = new Map<string, CollectionStats>();
      for (const c of all) reference.set(c.name, await samplePerTable(db.pool, c, config, { noWait: true }));
      const pass = await sampleDatabase(db.pool, all, config, { noWait: true });
      expect(pass.missing).toEqual([]);
      expect(pass.collections.map((s) => s.collection)).toEqual(all.map((c) => c.name));

      for (const c of all) {
        const ref = reference.get(c.name)!;
        const got = byName(pass, c.name);
        expect(stable(got)).toEqual(stable(ref));
        // Transactions the store took in between age the table a little, never less.
        expect(got.table.xid_age).toBeGreaterThanOrEqual(ref.table.xid_age);
        expect(got.table.xid_age - ref.table.xid_age).toBeLessThan(1000);
      }

      // The facts the comparison rests on, so it cannot pass on two empty answers.
      const chains = byName(pass, small.name).blocking_chains;
      expect(chains).toEqual([
        expect.objectContaining({
          root_pid: pidOf(root),
          root_state: 'idle in transaction',
          blocked: 2,
          root_is_maintenance: false,
        }),
      ]);
      expect(byName(pass, healthy.name).blocking_chains).toEqual([]);
      expect(byName(pass, healthy.name).runaway_queries.map((q) => q.pid)).toEqual([pidOf(runaway)]);
      expect(byName(pass, small.name).runaway_queries).toEqual([]);
      expect(byName(pass, withJobs.name).maintenance).toEqual([
        expect.objectContaining({ is_autovacuum: true, job_type: 'autovacuum' }),
      ]);
      expect(byName(pass, healthy.name).maintenance).toEqual([]);
      expect(byName(pass, stale.name).table).toMatchObject({
        mods_since_analyze: 2500,
        analysis: [expect.objectContaining({ mods_since_analyze: 2500 })],
      });
      expect(byName(pass, vectors.name).partitioning).toMatchObject({
        key: 'partition_id',
        centroids_table: `${vectors.table_name}_centroids`,
      });
      expect(byName(pass, vectors.name).partitioning!.partitions.map((p) => [p.value, p.reltuples])).toEqual([
        [0, 2000],
        [1, 2000],
        [2, 2000],
        [3, 2000],
      ]);
      expect(byName(pass, healthy.name).partitioning).toBeNull();

      // Condition history: the reference path wrote when `stale` was first seen stale; the pass read it.
      const staleRef = reference.get(stale.name)!.table.analysis[0]!;
      const staleGot = byName(pass, stale.name).table.analysis[0]!;
      expect(staleRef.stale_for_seconds).toBe(0);
      expect(staleGot.stale_for_seconds).toBeGreaterThan(0);
      expect(staleGot.stale_for_seconds).toBeLessThan(30);

      // The bloated btree: the same density pgstatindex gave the per-table path, confirmed by it now.
      const bloatedRef = indexNamed(reference.get(bloated.name)!, '_pkey');
      const bloatedGot = indexNamed(byName(pass, bloated.name), '_pkey');
      expect(bloatedGot).toMatchObject({
        density_source: 'pgstatindex',
        avg_leaf_density: bloatedRef.avg_leaf_density,
        leaf_pages: bloatedRef.leaf_pages,
      });
      expect(bloatedGot.estimated_density!).toBeLessThan(25);
      // Healthy btrees of 1 MiB or more: the per-table path read them; the pass estimates them, close to what
      // pgstatindex said.
      for (const suffix of ['_pkey', '_payload', '_lower']) {
        const r = indexNamed(reference.get(healthy.name)!, suffix);
        const g = indexNamed(byName(pass, healthy.name), suffix);
        expect(r.avg_leaf_density).not.toBeNull();
        expect(g).toMatchObject({ density_source: 'estimate', avg_leaf_density: null });
        expect(Math.abs(g.estimated_density! - r.avg_leaf_density!)).toBeLessThan(6);
      }
      // The sensor and classifier see IndexFragmentation as before.
      const sample = integrityOf(byName(pass, bloated.name), config);
      expect(classifyProblem(sample, config)).toMatchObject({
        class: 'IndexFragmentation',
        index_names: [bloatedGot.name],
      });
      // The healthy table is weak only where the sessions hold it, never at its indexes.
      const onIndexes = integrityOf(byName(pass, healthy.name), config).witness_edges.filter(
        (e) => e.source.startsWith('index:') || e.target.startsWith('index:'),
      );
      expect(onIndexes.filter((e) => e.kind === 'index_link')).toEqual([]);
    } finally {
      await root.query('ROLLBACK').catch(() => undefined);
      await db.pool.query('SELECT pg_cancel_backend($1)', [pidOf(runaway)]);
      await Promise.all(pending);
      for (const s of sessions) s.release();
    }
  });

  it('sends the same statements for 2 tables as for 50: the per-table path sent 13 or more per table', async () => {
    const prefix = uniqueName('many');
    for (let i = 1; i <= 50; i++) {
      const t = qualifiedName('public', `${prefix}_${i}`);
      await db.pool.query(`CREATE TABLE ${t} (id int PRIMARY KEY, v text)`);
      await db.pool.query(`INSERT INTO ${t} SELECT g, g::text FROM generate_series(1, 100) g`);
    }
    for (let i = 1; i <= 50; i++)
      await watchTable(db.pool, { table: `public.${prefix}_${i}`, name: `${prefix}_${i}` }, testAudit);
    const many = (await listCollections(db.pool)).filter((c) => c.name.startsWith(`${prefix}_`));
    expect(many).toHaveLength(50);

    const two = new RoundTripCounter(db.pool);
    const fifty = new RoundTripCounter(db.pool);
    const passTwo = await sampleDatabase(two, many.slice(0, 2), config, { noWait: true });
    const passFifty = await sampleDatabase(fifty, many, config, { noWait: true });
    expect(passFifty.collections.map((s) => [s.collection, s.table.oid])).toEqual(
      many.map((c) => [c.name, c.table_oid]),
    );
    expect(
      passFifty.collections.every((s) => s.indexes.length === 1 && s.indexes[0]!.density_source === 'estimate'),
    ).toBe(true);
    expect(passTwo.round_trips).toBe(two.round_trips);
    expect(passFifty.round_trips).toBe(fifty.round_trips);
    expect(passFifty.round_trips).toBe(passTwo.round_trips);
    expect(fifty.statements).toEqual(two.statements);

    const perTable = new RoundTripCounter(db.pool);
    for (const c of many) await samplePerTable(perTable, c, config, { noWait: true });
    expect(perTable.round_trips).toBeGreaterThanOrEqual(13 * 50);
    console.log(
      `round trips for 50 tables: batched pass ${passFifty.round_trips} (2 tables: ${passTwo.round_trips}), ` +
        `per-table path ${perTable.round_trips}`,
    );
  });

  it('a dropped table is reported missing and the pass samples the others', async () => {
    const doomed = await plainTable(db.pool, uniqueName('doomed'), 100);
    const gone = await plainTable(db.pool, uniqueName('gone'), 100);
    await db.pool.query(`DROP TABLE ${qualifiedName('public', gone.table_name)}`);
    const goneNow = await getCollection(db.pool, gone.name);
    expect(goneNow.table_oid).toBeNull();
    // Listed while it existed, dropped before the pass reads it.
    await db.pool.query(`DROP TABLE ${qualifiedName('public', doomed.table_name)}`);
    const pass = await sampleDatabase(db.pool, [doomed, small, goneNow], config, { noWait: true });
    expect(pass.collections.map((s) => s.collection)).toEqual([small.name]);
    expect(pass.missing).toEqual([
      { id: goneNow.id, name: gone.name, table: `public.${gone.table_name}`, reason: 'table does not exist' },
      { id: doomed.id, name: doomed.name, table: `public.${doomed.table_name}`, reason: 'table no longer exists' },
    ]);
    await expect(sampleCollection(db.pool, doomed, config)).rejects.toThrow(/no longer exists/);
  });

  it('rates from the readings earlier passes stored: a periodic pass never waits, a verification waits once for all', async () => {
    const hot = `${vectors.table_name}_p1`;
    const first = await sampleDatabase(db.pool, [vectors, small], config, { noWait: true });
    expect(first.waited_ms).toBe(0);
    await withClient(db.pool, async (s) => {
      await s.query(
        `INSERT INTO ${qualifiedName('public', hot)} (id, partition_id, embedding) SELECT 1000000 + g, 1,
           ARRAY[0,10,0,0,0,0,0,0]::real[] FROM generate_series(1, 3000) g`,
      );
      await s.query('SELECT pg_stat_force_next_flush()');
      await s.query('SELECT 1');
    });
    await sleep(1200);
    const started = Date.now();
    const second = await sampleDatabase(db.pool, [vectors, small], config, { noWait: true });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(second.waited_ms).toBe(0);
    const load = byName(second, vectors.name).partitioning!;
    expect(load.window_ms).toBeGreaterThanOrEqual(1150);
    const rates = Object.fromEntries(load.partitions.map((p) => [p.name.replace(/^.*_p/, 'p'), p.ops_per_s]));
    expect(rates.p1).toBeGreaterThan((3000 * 1000) / load.window_ms - 1);
    expect(rates.p1).toBeLessThan((3000 * 1000) / load.window_ms + 1);
    expect([rates.p0, rates.p2, rates.p3]).toEqual([0, 0, 0]);
    expect(byName(second, small.name).memory.window_ms).toBeGreaterThanOrEqual(1150);

    // Counting only what follows a change: no stored reading qualifies, so the pass waits one window, once.
    const verify = await sampleDatabase(db.pool, [vectors, small], config, { after: new Date().toISOString() });
    expect(verify.waited_ms).toBeGreaterThan(1000);
    expect(verify.round_trips).toBe(second.round_trips + 2);
    expect(byName(verify, vectors.name).partitioning!.window_ms).toBeGreaterThanOrEqual(1990);
    expect(byName(verify, small.name).memory.window_ms).toBeGreaterThanOrEqual(1990);
    // Two readings per collection and family, as before.
    const { rows } = await db.pool.query(
      `SELECT family, older IS NOT NULL AS has_older FROM ruvector.counter_windows WHERE collection_id = $1
        ORDER BY family`,
      [vectors.id],
    );
    expect(rows).toEqual([
      { family: 'partition_ops', has_older: true },
      { family: 'temp_bytes', has_older: true },
    ]);
  });

  it('condition history across passes: stale parts keep their start, parts out of the condition are forgotten', async () => {
    const a = await sampleDatabase(db.pool, [stale, small], config, { noWait: true });
    const since = byName(a, stale.name).table.analysis[0]!.stale_for_seconds!;
    await sleep(1100);
    const b = await sampleDatabase(db.pool, [stale, small], config, { noWait: true });
    expect(byName(b, stale.name).table.analysis[0]!.stale_for_seconds!).toBeGreaterThanOrEqual(since + 1);
    expect(byName(b, small.name).table.analysis[0]!.stale_for_seconds).toBe(0);
    await analyzeAfterWrites(db.pool, qualifiedName('public', stale.table_name));
    const c = await sampleDatabase(db.pool, [stale, small], config, { noWait: true });
    expect(byName(c, stale.name).table.analysis[0]!.stale_for_seconds).toBe(0);
    const { rows } = await db.pool.query(
      'SELECT count(*)::int AS n FROM ruvector.condition_since WHERE collection_id = $1',
      [stale.id],
    );
    expect(rows[0].n).toBe(0);
  });
});

describe('btree bloat: estimated for every index, pgstatindex only on candidates, within a budget, cached', () => {
  let db: TestDatabase;
  let session: PoolClient;
  let healthy: Collection;
  let bloatedA: Collection;
  let bloatedB: Collection;
  const config = parseHealingConfig({});

  beforeAll(async () => {
    db = await createTestDatabase('bloat');
    healthy = await plainTable(db.pool, uniqueName('healthy'), ROWS, { payloadIndex: true });
    bloatedA = await bloatedTable(db.pool, uniqueName('bloated_a'));
    bloatedB = await bloatedTable(db.pool, uniqueName('bloated_b'));
    session = await db.pool.connect();
  });
  afterAll(async () => {
    session?.release();
    await db?.drop();
  });

  it('the bloated index is confirmed by pgstatindex, a healthy large one is not read, and a second pass reuses the reading', async () => {
    const all = [healthy, bloatedA];
    const { pass: first, sent: firstSent } = await passOn(session, all, config);
    const healthyIx = byName(first, healthy.name).indexes;
    const bloatedIx = indexNamed(byName(first, bloatedA.name), '_pkey');
    expect(healthyIx.every((i) => i.size_bytes > 1024 * 1024)).toBe(true);
    // Blocks each index had had touched, once the first pass's reads are counted.
    await waitFor('the first pass counted', async () => (await indexBlocksTouched(db.pool, bloatedIx.oid)) > 0);
    const touched = async () => Promise.all([...healthyIx, bloatedIx].map((i) => indexBlocksTouched(db.pool, i.oid)));
    const before = await touched();
    expect(bloatedIx).toMatchObject({ density_source: 'pgstatindex', avg_leaf_density: expect.any(Number) });
    expect(bloatedIx.avg_leaf_density!).toBeLessThan(25);
    expect(bloatedIx.estimated_density!).toBeLessThan(25);
    for (const i of healthyIx)
      expect(i).toMatchObject({
        density_source: 'estimate',
        avg_leaf_density: null,
        estimated_density: expect.any(Number),
      });
    expect(first.index_confirmations).toMatchObject({
      confirmed: [expect.objectContaining({ oid: bloatedIx.oid })],
      deferred: [],
      reused: 0,
    });
    expect(firstSent.filter((s) => s.includes('pgstatindex(')).length).toBe(1);
    expect(before[before.length - 1]).toBeGreaterThanOrEqual(bloatedIx.size_bytes / 8192 - 1);

    // Nothing changed: no pgstatindex at all, the same reading from the cache, no index block touched.
    const { pass: second, sent: secondSent } = await passOn(session, all, config);
    const again = indexNamed(byName(second, bloatedA.name), '_pkey');
    expect(again).toMatchObject({
      density_source: 'cache',
      avg_leaf_density: bloatedIx.avg_leaf_density,
      leaf_pages: bloatedIx.leaf_pages,
    });
    expect(secondSent.some((s) => s.includes('pgstatindex('))).toBe(false);
    expect(second.round_trips).toBe(first.round_trips - 1);
    expect(second.index_confirmations).toMatchObject({ confirmed: [], reused: 1, bytes_read: 0 });
    expect(classifyProblem(integrityOf(byName(second, bloatedA.name), config), config)).toMatchObject({
      class: 'IndexFragmentation',
    });
    await sleep(1100);
    await session.query('SELECT pg_stat_force_next_flush()');
    await session.query('SELECT 1');
    expect(await touched()).toEqual(before);

    // A VACUUM of its table may have thinned it further: read again.
    await db.pool.query(`VACUUM ${qualifiedName('public', bloatedA.table_name)}`);
    const { pass: third } = await passOn(session, all, config);
    expect(indexNamed(byName(third, bloatedA.name), '_pkey').density_source).toBe('pgstatindex');
  });

  it('the budget caps the bytes pgstatindex reads in a pass; what did not fit is read by a later pass', async () => {
    await db.pool.query('DELETE FROM ruvector.index_density');
    const a = indexNamed(
      byName(
        (await passOn(session, [bloatedA], parseHealingConfig({ index_confirm_budget_bytes: 0 }))).pass,
        bloatedA.name,
      ),
      '_pkey',
    );
    expect(a).toMatchObject({ density_source: 'estimate', avg_leaf_density: null });
    const budget = Math.ceil(a.size_bytes * 1.5);
    const limited = parseHealingConfig({ index_confirm_budget_bytes: budget });
    const { pass: first, sent } = await passOn(session, [bloatedA, bloatedB], limited);
    expect(first.index_confirmations.confirmed).toHaveLength(1);
    expect(first.index_confirmations.deferred).toHaveLength(1);
    expect(first.index_confirmations.bytes_read).toBeLessThanOrEqual(budget);
    expect(sent.filter((s) => s.includes('pgstatindex(')).length).toBe(1);
    const [readFirst] = first.index_confirmations.confirmed;
    const [waiting] = first.index_confirmations.deferred;
    const sources = first.collections
      .map((s) => indexNamed(s, '_pkey'))
      .map((i) => [i.oid, i.density_source, i.avg_leaf_density === null]);
    expect(sources).toEqual(
      expect.arrayContaining([
        [readFirst!.oid, 'pgstatindex', false],
        [waiting!.oid, 'estimate', true],
      ]),
    );

    const { pass: next } = await passOn(session, [bloatedA, bloatedB], limited);
    expect(next.index_confirmations).toMatchObject({
      confirmed: [expect.objectContaining({ oid: waiting!.oid })],
      deferred: [],
      reused: 1,
    });
    expect(next.collections.map((s) => indexNamed(s, '_pkey').density_source).sort()).toEqual(['cache', 'pgstatindex']);
  });

  it('a REINDEX makes another relation file: the rebuilt index is estimated healthy and not read', async () => {
    await db.pool.query(`REINDEX INDEX ${qualifiedName('public', `${bloatedB.table_name}_pkey`)}`);
    const { pass, sent } = await passOn(session, [bloatedB], config);
    expect(indexNamed(byName(pass, bloatedB.name), '_pkey')).toMatchObject({
      density_source: 'estimate',
      avg_leaf_density: null,
    });
    expect(indexNamed(byName(pass, bloatedB.name), '_pkey').estimated_density!).toBeGreaterThan(80);
    expect(sent.some((s) => s.includes('pgstatindex('))).toBe(false);
    expect(integrityOf(byName(pass, bloatedB.name), config).state).toBe('normal');
  });
});
