import { classifyProblem } from '../../src/classifier/classify-problem';
import { ensureDemoCollection } from '../../src/demo/demo-collection';
import { parseHealingConfig } from '../../src/domain/healing-config';
import { getCollection, type Collection } from '../../src/postgres/collections';
import { withClient } from '../../src/postgres/pool';
import { sampleCollection } from '../../src/probes/sample-collection';
import { integrityOf } from '../../src/sensor/integrity-sample';
import { createTestDatabase, uniqueName, type TestDatabase } from '../support/test-system';
import { testAudit } from '../support/test-audit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Statistics are stale only when autovacuum will not fix them: a table whose changes just passed
 * autovacuum's analyze threshold is due for autoanalyze, and counts as stale only once samples
 * have seen it so for stale_statistics_min_age_seconds.
 */
describe('stale statistics across samples', () => {
  let db: TestDatabase;
  let c: Collection;
  const config = parseHealingConfig({ stale_statistics_min_age_seconds: 2 });

  beforeAll(async () => {
    db = await createTestDatabase('stale');
    const name = uniqueName('st');
    await ensureDemoCollection(db.pool, testAudit, name, 'public', name, 5000);
    c = await getCollection(db.pool, name);
  });
  afterAll(async () => db?.drop());

  it('due for autoanalyze: normal at first, stale once it has lasted; ANALYZE clears it and its history', async () => {
    const t = `public.${c.table_name}`;
    await db.pool.query(`ANALYZE ${t}`);
    // Autovacuum (1 s naptime here) skips a table it cannot lock at once: this session keeps it
    // from analyzing, as a busy autovacuum would.
    const holder = await db.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`LOCK TABLE ${t} IN SHARE UPDATE EXCLUSIVE MODE`);
      const writer = await db.pool.connect();
      try {
        await writer.query(`UPDATE ${t} SET id = id WHERE id % 5 <> 0`);
        await writer.query('SELECT pg_stat_force_next_flush()');
        await writer.query('SELECT 1');
      } finally {
        writer.release();
      }

      const first = integrityOf(await sampleCollection(db.pool, c, config), config);
      expect(first.stats.table.analysis).toEqual([
        expect.objectContaining({ autoanalyze_due: true, stale_for_seconds: 0, mods_since_analyze: 4000 }),
      ]);
      expect(first.state).toBe('normal');

      await sleep(2200);
      const later = integrityOf(await sampleCollection(db.pool, c, config), config);
      expect(later.stats.table.analysis[0]!.stale_for_seconds).toBeGreaterThanOrEqual(2);
      expect(classifyProblem(later, config)).toMatchObject({ class: 'StaleStatistics', mods_since_analyze: 4000 });
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
    }

    await db.pool.query(`ANALYZE ${t}`);
    const healed = integrityOf(await sampleCollection(db.pool, c, config), config);
    expect(healed.state).toBe('normal');
    expect(
      (await db.pool.query('SELECT count(*)::int AS n FROM ruvector.condition_since WHERE collection_id = $1', [c.id]))
        .rows[0].n,
    ).toBe(0);
  });

  it('autoanalyze off for the table: stale from the first sample', async () => {
    const t = `public.${c.table_name}`;
    await db.pool.query(`ALTER TABLE ${t} SET (autovacuum_enabled = false)`);
    await db.pool.query(`ANALYZE ${t}`);
    // One session: its counts are flushed at the end of its next statement.
    await withClient(db.pool, async (w) => {
      await w.query(`UPDATE ${t} SET id = id WHERE id % 5 <> 0`);
      await w.query('SELECT pg_stat_force_next_flush()');
      await w.query('SELECT 1');
    });
    const s = integrityOf(await sampleCollection(db.pool, c, config), config);
    expect(s.stats.table.analysis).toEqual([expect.objectContaining({ autoanalyze_due: false, stale_for_seconds: 0 })]);
    expect(classifyProblem(s, config)).toMatchObject({ class: 'StaleStatistics' });
  });
});
