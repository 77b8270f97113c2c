import { Worker } from '@temporalio/worker';
import { compactIndexes } from '../../activities/strategies/compact-indexes';
import { ensureDemoCollection } from '../../src/demo/demo-collection';
import { drillIndexFragmentation } from '../../src/drills/index-fragmentation';
import { getCollection } from '../../src/postgres/collections';
import { startHealingAttempt } from '../../src/temporal/start-attempt';
import { PHASE_SA, PROBLEM_CLASS_SA, STRATEGY_SA } from '../../src/domain/search-attributes';
import { openWriter } from '../support/contention';
import { maybeRecordHistory } from '../support/histories';
import { compactContext } from '../support/strategy-context';
import { useWorkerSystem } from '../support/test-harness';
import { testStack, uniqueName, type TestWorker } from '../support/test-system';
import { testAudit } from '../support/test-audit';

const ROWS = 100_000;

describe('compact_indexes on a real bloated index', () => {
  const sys = useWorkerSystem('compact');

  async function bloatedCollection(): Promise<string> {
    const name = uniqueName('items');
    await ensureDemoCollection(sys.db.pool, testAudit, name, 'public', name, ROWS);
    const report = await drillIndexFragmentation(sys.db.pool, await getCollection(sys.db.pool, name), {
      refillTo: ROWS,
    });
    expect(report.indexes[0]!.density_after!).toBeLessThan(25);
    return name;
  }

  /** How often this database has been asked for a collection by name (pg_stat_statements). */
  async function lookupsByName(): Promise<number> {
    const { rows } = await sys.db.pool.query<{ n: number }>(
      `SELECT coalesce(sum(s.calls), 0)::int AS n FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = current_database() AND s.query LIKE '%FROM ruvector.collections c%WHERE c.name = $1%'`,
    );
    return rows[0]!.n;
  }

  it('is detected, repaired, verified by measuring again, and recorded with before/after, λ and witnesses', async () => {
    const collection = await bloatedCollection();
    await sys.db.pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const lookupsBefore = await lookupsByName();
    const handle = await startHealingAttempt(sys.w.client, {
      collection,
      taskQueue: sys.w.taskQueue,
      trigger: 'test',
      config: { stabilization_wait: 1 },
    });
    const outcome = await handle.result();
    // The collection is looked up once, when the attempt opens; its later steps are handed it.
    expect((await lookupsByName()) - lookupsBefore).toBe(1);

    expect(outcome).toMatchObject({
      kind: 'Completed',
      strategy: 'compact_indexes',
      verified: true,
      compensated: false,
    });
    if (outcome.kind !== 'Completed') throw new Error('unreachable');
    expect(outcome.problem.class).toBe('IndexFragmentation');
    expect(outcome.final_lambda!).toBeGreaterThanOrEqual(1.1 * outcome.initial_lambda);

    // The index itself, measured independently of selfheal.
    const { rows: now } = await sys.db.pool.query(
      `SELECT s.avg_leaf_density::float8 AS d, i.indisvalid AS valid FROM pg_index i
        JOIN pg_class c ON c.oid = i.indexrelid
        CROSS JOIN LATERAL pgstatindex(c.oid::regclass) s WHERE i.indrelid = to_regclass($1)`,
      [`public.${collection}`],
    );
    expect(now).toHaveLength(1);
    expect(now[0].valid).toBe(true);
    expect(now[0].d).toBeGreaterThan(80);

    const { rows } = await sys.db.pool.query(
      `SELECT o.*, a.status, a.sandbox FROM ruvector.healing_outcomes o
        JOIN ruvector.healing_attempts a ON a.outcome_id = o.id
        WHERE o.id = $1`,
      [outcome.outcome_id],
    );
    const row = rows[0];
    expect(row).toMatchObject({
      status: 'Completed',
      problem_class: 'IndexFragmentation',
      strategy_name: 'compact_indexes',
      success: true,
      verified: true,
    });
    expect(row.actions_taken).toBe(1);
    expect(row.final_lambda).toBeGreaterThan(row.initial_lambda);
    expect(row.improvement_pct).toBeGreaterThan(0.1);
    expect(row.witness_edges.length).toBeGreaterThan(0);
    expect(
      row.witness_edges.some(
        (e: { source: string; target: string }) => e.source.startsWith('index:') || e.target.startsWith('index:'),
      ),
    ).toBe(true);
    const before = row.system_metrics.before.indexes[0];
    const after = row.system_metrics.after.indexes[0];
    expect(before.avg_leaf_density).toBeLessThan(25);
    expect(after.avg_leaf_density).toBeGreaterThan(80);
    expect(after.size_bytes).toBeLessThan(before.size_bytes / 2);
    expect(row.sandbox).toMatchObject({ passed: true, level: 'complete' });
    expect(row.strategy_params.sandbox.checks.map((c: { name: string }) => c.name)).toEqual([
      'can_alter_table',
      'targets_exist',
      'no_old_snapshots',
      'complete_run',
    ]);

    // Each phase by name for the Temporal UI: search attributes, activity and timer summaries.
    const desc = await handle.describe();
    expect(desc.typedSearchAttributes.get(PHASE_SA)).toBe('done');
    expect(desc.typedSearchAttributes.get(PROBLEM_CLASS_SA)).toBe('IndexFragmentation');
    expect(desc.typedSearchAttributes.get(STRATEGY_SA)).toBe('compact_indexes');
    const history = await handle.fetchHistory();
    const summaries = await summariesOf(sys.w.client, history);
    for (const phase of ['prepare:', 'sense:', 'select:', 'sandbox:', 'execute:', 'stabilize:', 'verify:', 'record:']) {
      expect(summaries.some((s) => s.startsWith(phase))).toBe(true);
    }

    // The history replays against the current workflow code.
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: testStack().workflowBundle } },
      history,
      handle.workflowId,
    );
    await maybeRecordHistory('compact-indexes-healed', handle);
  });

  it('two triggers at once for one collection start one attempt', async () => {
    const collection = await bloatedCollection();
    const handles = await Promise.all(
      [1, 2, 3].map(() =>
        startHealingAttempt(sys.w.client, {
          collection,
          taskQueue: sys.w.taskQueue,
          trigger: 'test',
          config: { stabilization_wait: 2 },
        }),
      ),
    );
    expect(new Set(handles.map((h) => h.firstExecutionRunId)).size).toBe(1);
    await handles[0]!.result();
    const { rows } = await sys.db.pool.query(
      'SELECT count(*)::int AS n FROM ruvector.healing_attempts a ' +
        'JOIN ruvector.collections c ON c.id = a.collection_id WHERE c.name = $1',
      [collection],
    );
    expect(rows[0].n).toBe(1);
  });

  it('a rebuild that fails leaves no invalid *_ccnew index behind once cleanup has run', async () => {
    const collection = await bloatedCollection();
    const c = await getCollection(sys.db.pool, collection);
    const indexesOfTable = async () =>
      (
        await sys.db.pool.query(
          `SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1
            ORDER BY 1`,
          [c.table_oid],
        )
      ).rows;
    const ctx = await compactContext(sys.db.pool, collection);
    const plan = await compactIndexes.plan(ctx);
    // An open transaction that wrote to the table: REINDEX CONCURRENTLY waits for it and runs out of time.
    const writer = await openWriter(sys.db.url, collection);
    try {
      const result = await compactIndexes.execute(ctx, plan);
      expect(result.success).toBe(false);
      expect(result.error).toMatch(/REINDEX INDEX CONCURRENTLY .*statement timeout/);
      // While the writer stays open even DROP INDEX CONCURRENTLY must wait: the half-built copy is still there.
      expect(await indexesOfTable()).toEqual([
        { relname: `${collection}_pkey`, indisvalid: true },
        { relname: `${collection}_pkey_ccnew`, indisvalid: false },
      ]);
    } finally {
      await writer.release();
    }
    expect(await compactIndexes.cleanup!(ctx, plan)).toEqual([`public.${collection}_pkey_ccnew`]);
    expect(await indexesOfTable()).toEqual([{ relname: `${collection}_pkey`, indisvalid: true }]);
    // Idempotent: nothing left to remove.
    expect(await compactIndexes.cleanup!(ctx, plan)).toEqual([]);
  });
});

/** Activity and timer summaries as the UI shows them (user metadata, decoded by the client's converter). */
async function summariesOf(
  client: TestWorker['client'],
  history: Awaited<ReturnType<import('@temporalio/client').WorkflowHandle['fetchHistory']>>,
): Promise<string[]> {
  const out: string[] = [];
  for (const e of history.events ?? []) {
    const payload = e.userMetadata?.summary;
    if (payload) out.push(String(client.options.loadedDataConverter.payloadConverter.fromPayload(payload)));
  }
  return out;
}
