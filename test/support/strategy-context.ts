import { DEFAULT_HEALING_CONFIG } from '../../src/domain/healing-config';
import { getCollection } from '../../src/postgres/collections';
import type { Pool } from '../../src/postgres/pool';
import type { StrategyContext } from '../../src/strategies/strategy';

/**
 * What an activity would hand compact_indexes for the collection's (only) index, with a short
 * time budget: for tests that drive the strategy directly, without a workflow.
 */
export async function compactContext(pool: Pool, collection: string, budgetMs = 2000): Promise<StrategyContext<Pool>> {
  const c = await getCollection(pool, collection);
  const { rows: ix } = await pool.query('SELECT indexrelid::int8 AS oid FROM pg_index WHERE indrelid = $1', [
    c.table_oid,
  ]);
  return {
    db: pool,
    collection: { ...c, table_oid: c.table_oid! },
    problem: { class: 'IndexFragmentation', index_ids: [ix[0].oid], index_names: [], fragmentation_pct: 80 },
    state: 'stress',
    config: DEFAULT_HEALING_CONFIG,
    heartbeat: () => undefined,
    signal: new AbortController().signal,
    budgetMs,
    attemptKey: `test/${collection}`,
  };
}
