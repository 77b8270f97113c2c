import type { Pool } from '../../src/postgres/pool';
import { failedResult } from '../../src/domain/remediation-result';
import { qualifiedName } from '../../src/postgres/quote-ident';
import { HEALTHY_LEAF_DENSITY } from '../../src/sensor/parts/indexes';
import { defineStrategy } from '../../src/strategies/define-strategy';
import { compactIndexesSpec } from '../../src/domain/strategies/specs/compact-indexes';
import type { StrategyContext } from '../../src/strategies/strategy';
import { runCancellable } from './cancellable-statement';
import { checkCanAlterTable, checkNoOldSnapshots, sandboxResult, type Check } from './sandbox-checks';
import { completeSandbox } from './scratch-sandbox';

interface IndexRef {
  schema: string;
  name: string;
}

interface IndexMeasure extends IndexRef {
  valid: boolean;
  avg_leaf_density: number | null;
  leaf_pages: number | null;
  size_bytes: number;
}

const CLEANUP_TIMEOUT_MS = 5000;

/**
 * compact_indexes: rebuild the fragmented btree indexes with REINDEX INDEX CONCURRENTLY,
 * most fragmented first. Irreversible. A failed or cancelled rebuild leaves an invalid `*_ccnew`
 * index; it is dropped before the step returns, so nothing half-built stays behind.
 */
export const compactIndexes = defineStrategy(compactIndexesSpec, {
  async sandbox(ctx) {
    const started = Date.now();
    const checks: Check[] = [await checkCanAlterTable(ctx.db, ctx.collection.table_oid)];
    const targets = await resolveTargets(ctx);
    checks.push({
      name: 'targets_exist',
      passed: targets.length > 0,
      detail:
        targets.length > 0
          ? targets.map((t) => `${t.schema}.${t.name}`).join(', ')
          : 'no fragmented btree index of the table is left',
    });
    checks.push(await checkNoOldSnapshots(ctx.db));
    if (checks.some((c) => !c.passed)) return sandboxResult('prerequisites', checks, started);
    // The rebuild itself, on a scratch copy: how long REINDEX CONCURRENTLY takes per row here.
    checks.push(
      await completeSandbox(ctx, compactIndexes.descriptor.estimated_duration_seconds, (c, scratch) =>
        c.query(`REINDEX TABLE CONCURRENTLY ${scratch}`).then(() => undefined),
      ),
    );
    return sandboxResult('complete', checks, started);
  },

  async plan(ctx) {
    const targets = await resolveTargets(ctx);
    const before = await measureAll(ctx.db, targets);
    return { params: { indexes: targets }, snapshot: null, before: { indexes: before } };
  },

  async execute(ctx, plan) {
    const targets = plan.params.indexes;
    const deadline = Date.now() + ctx.budgetMs;
    let rebuilt = 0;
    const done: IndexMeasure[] = [];
    for (const [i, ix] of targets.entries()) {
      const progress = { step: 'reindex', target: `${ix.schema}.${ix.name}`, item: i + 1, items: targets.length };
      ctx.heartbeat(progress);
      const now = await measure(ctx.db, ix);
      // Idempotent: a retry after a crash skips what the first try already rebuilt.
      if (now && now.valid && !isFragmented(now, ctx.config.index_fragmentation_threshold_pct)) {
        done.push(now);
        continue;
      }
      // A rebuild started by a worker that died may still be running: wait for it rather than rebuild twice.
      if (await waitForOtherRebuild(ctx, ix, deadline)) {
        const after = await measure(ctx.db, ix);
        if (after && after.valid && !isFragmented(after, ctx.config.index_fragmentation_threshold_pct)) {
          done.push(after);
          continue;
        }
      }
      const remaining = deadline - Date.now();
      if (remaining <= 1000)
        return { ...failedResult('time budget used up before every index was rebuilt'), actions_taken: rebuilt };
      try {
        await dropLeftovers(ctx.db, ix, CLEANUP_TIMEOUT_MS);
        // Each heartbeat carries REINDEX's own phase and blocks or tuples, for `selfheal follow`.
        await runCancellable(ctx, reindexStatement(ix), remaining, progress, { indexProgress: true });
        rebuilt++;
      } catch (err) {
        // Best effort here; the attempt's cleanup step retries until the leftovers are gone.
        await dropLeftovers(ctx.db, ix, CLEANUP_TIMEOUT_MS).catch(() => undefined);
        if (ctx.signal.aborted) throw err;
        return {
          ...failedResult(`REINDEX INDEX CONCURRENTLY ${ix.schema}.${ix.name}: ${(err as Error).message}`),
          actions_taken: rebuilt,
        };
      }
    }
    return {
      success: true,
      actions_taken: rebuilt,
      improvement: 0,
      metadata: { rebuilt, already_healthy: done.length },
    };
  },

  /** After a failed or cancelled execute: no half-built index may stay. Idempotent. */
  async cleanup(ctx, plan) {
    const dropped: string[] = [];
    for (const ix of plan.params.indexes) dropped.push(...(await dropLeftovers(ctx.db, ix, 30_000)));
    return dropped;
  },

  async verify(ctx, plan) {
    const targets = plan.params.indexes;
    const after = await measureAll(ctx.db, targets);
    const before = plan.before.indexes ?? [];
    const bad = after.filter((a) => !a.valid || isFragmented(a, ctx.config.index_fragmentation_threshold_pct));
    const verified = after.length === targets.length && bad.length === 0;
    const detail = after
      .map((a) => {
        const b = before.find((x) => x.schema === a.schema && x.name === a.name);
        return (
          `${a.schema}.${a.name}: density ${fmt(b?.avg_leaf_density)} → ${fmt(a.avg_leaf_density)}, ` +
          `${fmtBytes(b?.size_bytes)} → ${fmtBytes(a.size_bytes)}`
        );
      })
      .join('; ');
    return { verified, after: { indexes: after }, detail };
  },
});

function isFragmented(m: IndexMeasure, thresholdPct: number): boolean {
  if (m.avg_leaf_density === null) return false;
  return 100 * (1 - m.avg_leaf_density / HEALTHY_LEAF_DENSITY) > thresholdPct;
}

/** The problem names indexes by OID; rebuilding changes OIDs, so the plan keeps schema and name. */
async function resolveTargets(ctx: StrategyContext<Pool>): Promise<IndexRef[]> {
  const oids = ctx.problem.class === 'IndexFragmentation' ? ctx.problem.index_ids : [];
  if (oids.length === 0) return [];
  const { rows } = await ctx.db.query<IndexRef & { oid: number }>(
    `SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_am a ON a.oid = c.relam
      WHERE c.oid = ANY ($1::oid[]) AND i.indrelid = $2 AND a.amname = 'btree'`,
    [oids, ctx.collection.table_oid],
  );
  // Keep the problem's order: most fragmented first.
  return oids.flatMap((oid) =>
    rows.filter((r) => Number(r.oid) === Number(oid)).map(({ schema, name }) => ({ schema, name })),
  );
}

async function measure(db: Pool, ix: IndexRef): Promise<IndexMeasure | undefined> {
  const { rows } = await db.query<IndexMeasure>(
    `SELECT n.nspname AS schema, c.relname AS name, i.indisvalid AS valid,
            nullif(s.avg_leaf_density, 'NaN')::float8 AS avg_leaf_density, s.leaf_pages::float8 AS leaf_pages,
            pg_relation_size(c.oid)::float8 AS size_bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_index i ON i.indexrelid = c.oid
       LEFT JOIN LATERAL pgstatindex(CASE WHEN i.indisvalid THEN c.oid::regclass END) s ON true
      WHERE n.nspname = $1 AND c.relname = $2`,
    [ix.schema, ix.name],
  );
  return rows[0];
}

async function measureAll(db: Pool, targets: IndexRef[]): Promise<IndexMeasure[]> {
  const out: IndexMeasure[] = [];
  for (const t of targets) {
    const m = await measure(db, t);
    if (m) out.push(m);
  }
  return out;
}

function reindexStatement(ix: IndexRef): string {
  return `REINDEX INDEX CONCURRENTLY ${qualifiedName(ix.schema, ix.name)}`;
}

/** Waits, heartbeating, while another backend rebuilds this index; true when there was one. */
async function waitForOtherRebuild(ctx: StrategyContext<Pool>, ix: IndexRef, deadline: number): Promise<boolean> {
  // Seen either as our own statement text on another backend, or as a rebuild in progress on the table.
  const running = async () =>
    (
      await ctx.db.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM pg_stat_activity
                WHERE pid <> pg_backend_pid() AND datname = current_database() AND state = 'active' AND query = $1)
            + (SELECT count(*) FROM pg_stat_progress_create_index
                WHERE pid <> pg_backend_pid() AND datname = current_database() AND relid = $2
                  AND command LIKE 'REINDEX%') AS n`,
        [reindexStatement(ix), ctx.collection.table_oid],
      )
    ).rows[0]!.n > 0;
  if (!(await running())) return false;
  while ((await running()) && Date.now() < deadline) {
    if (ctx.signal.aborted) throw new Error('cancelled while waiting for another rebuild of the index');
    ctx.heartbeat({ step: 'wait for a rebuild already running', target: `${ix.schema}.${ix.name}` });
    await new Promise((r) => setTimeout(r, 500));
  }
  return true;
}

/**
 * Drops what an interrupted REINDEX CONCURRENTLY leaves: an invalid `<name>_ccnew*` (the half-built
 * copy) and a `<name>_ccold*` (the old index, once the swap happened). DROP INDEX CONCURRENTLY
 * waits for transactions that may still use the index, so each drop is bounded by `timeoutMs`;
 * a timeout throws (SQLSTATE 57014, retryable) and the cleanup step is tried again later.
 */
export async function dropLeftovers(db: Pool, ix: IndexRef, timeoutMs: number): Promise<string[]> {
  const { rows } = await db.query<IndexRef>(
    `SELECT n.nspname AS schema, c.relname AS name
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND NOT i.indisvalid
        AND starts_with(c.relname, $2) AND substr(c.relname, length($2) + 1) ~ '^_cc(new|old)[0-9]*$'
        AND i.indrelid NOT IN (SELECT relid FROM pg_stat_progress_create_index WHERE datname = current_database())`,
    [ix.schema, ix.name],
  );
  if (rows.length === 0) return [];
  const client = await db.connect();
  try {
    await client.query(`SET statement_timeout = ${Math.max(100, Math.floor(timeoutMs))}`);
    for (const r of rows) await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${qualifiedName(r.schema, r.name)}`);
  } finally {
    await client.query('RESET statement_timeout').catch(() => undefined);
    client.release();
  }
  return rows.map((r) => `${r.schema}.${r.name}`);
}

function fmt(x: number | null | undefined): string {
  return x === null || x === undefined ? '?' : x.toFixed(1);
}

function fmtBytes(x: number | undefined): string {
  return x === undefined ? '?' : `${(x / 1048576).toFixed(1)} MB`;
}
