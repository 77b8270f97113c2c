import { failedResult } from '../../src/domain/remediation-result';
import type { Pool } from '../../src/postgres/pool';
import { qualifiedName } from '../../src/postgres/quote-ident';
import { defineStrategy } from '../../src/strategies/define-strategy';
import { rebuildInvalidIndexSpec } from '../../src/domain/strategies/specs/rebuild-invalid-index';
import type { StrategyContext } from '../../src/strategies/strategy';
import { runCancellable } from './cancellable-statement';
import { checkCanAlterTable, checkNoOldSnapshots, sandboxResult } from './sandbox-checks';

interface Target {
  schema: string;
  name: string;
  /** pg_get_indexdef: what is built again. */
  definition: string;
  /** Set when the index is what an interrupted REINDEX CONCURRENTLY left beside a valid index: only dropped. */
  leftover_of: string | null;
}

interface IndexState {
  schema: string;
  name: string;
  exists: boolean;
  valid: boolean;
  definition: string | null;
}

const DROP_TIMEOUT_MS = 30_000;

/**
 * rebuild_invalid_index: an INVALID index (an interrupted CREATE INDEX or REINDEX CONCURRENTLY)
 * costs every write and serves no read. It is built again with REINDEX INDEX CONCURRENTLY, which
 * builds the new copy beside it and swaps only once that copy is valid: a build that fails (a
 * unique index over duplicates, a cancel) leaves the user's index exactly as it was, never
 * dropped. A `_ccnew`/`_ccold` leftover beside its valid original is only dropped. Irreversible:
 * the invalid index cannot be brought back, nor would anyone want it.
 */
export const rebuildInvalidIndex = defineStrategy(rebuildInvalidIndexSpec, {
  async sandbox(ctx) {
    const started = Date.now();
    const targets = await resolveTargets(ctx);
    return sandboxResult(
      'prerequisites',
      [
        await checkCanAlterTable(ctx.db, ctx.collection.table_oid),
        {
          name: 'targets_invalid',
          passed: targets.length > 0,
          detail: targets.length
            ? targets
                .map((t) => `${t.schema}.${t.name}${t.leftover_of ? ` (leftover of ${t.leftover_of})` : ''}`)
                .join(', ')
            : 'no invalid index is left',
        },
        await checkNoOldSnapshots(ctx.db),
      ],
      started,
    );
  },

  async plan(ctx) {
    const targets = await resolveTargets(ctx);
    const before = await Promise.all(targets.map((t) => stateOf(ctx.db, t)));
    return { params: { targets }, snapshot: null, before: { indexes: before } };
  },

  async execute(ctx, plan) {
    const targets = plan.params.targets;
    const deadline = Date.now() + ctx.budgetMs;
    let actions = 0;
    for (const [i, t] of targets.entries()) {
      const progress = { step: 'rebuild', target: `${t.schema}.${t.name}`, item: i + 1, items: targets.length };
      ctx.heartbeat(progress);
      const now = await stateOf(ctx.db, t);
      const remaining = deadline - Date.now();
      if (remaining <= 1000) return { ...failedResult('time budget used up'), actions_taken: actions };
      try {
        if (t.leftover_of) {
          if (now.exists)
            await runCancellable(
              ctx,
              `DROP INDEX CONCURRENTLY IF EXISTS ${qualifiedName(t.schema, t.name)}`,
              Math.min(remaining, DROP_TIMEOUT_MS),
              { ...progress, step: 'drop leftover' },
            );
          actions++;
          continue;
        }
        // Idempotent: a retry after a crash finds the index already built.
        if (now.exists && now.valid) continue;
        // Gone meanwhile (someone dropped it): built from the definition the plan recorded.
        await runCancellable(
          ctx,
          now.exists ? `REINDEX INDEX CONCURRENTLY ${qualifiedName(t.schema, t.name)}` : concurrently(t.definition),
          deadline - Date.now(),
          { ...progress, step: now.exists ? 'reindex' : 'create index' },
          { indexProgress: true },
        );
        actions++;
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        return {
          ...failedResult(
            `${t.schema}.${t.name}: ${describePgError(err)}; the index is left as it was (INVALID): ` +
              'a person must fix what stops the build (duplicate keys for a unique index), then trigger again',
          ),
          actions_taken: actions,
        };
      }
    }
    return {
      success: true,
      actions_taken: actions,
      improvement: 0,
      metadata: { targets: targets.map((t) => `${t.schema}.${t.name}`) },
    };
  },

  async verify(ctx, plan) {
    const targets = plan.params.targets;
    const after = await Promise.all(targets.map((t) => stateOf(ctx.db, t)));
    const bad = after.filter((a, i) =>
      targets[i]!.leftover_of ? a.exists : !a.exists || !a.valid || a.definition !== targets[i]!.definition,
    );
    return {
      verified: bad.length === 0,
      after: { indexes: after },
      detail: after
        .map(
          (a, i) =>
            `${a.schema}.${a.name}: ` +
            (targets[i]!.leftover_of
              ? a.exists
                ? 'still there'
                : 'dropped'
              : a.exists
                ? a.valid
                  ? 'valid'
                  : 'INVALID'
                : 'missing'),
        )
        .join('; '),
    };
  },

  /**
   * A failed REINDEX CONCURRENTLY leaves its half-built copy (`<name>_ccnew`, INVALID) beside the
   * index: that copy goes. The user's own index stays as it was; so does any leftover there before.
   */
  async cleanup(ctx, plan) {
    const removed: string[] = [];
    const before = new Set(
      ((plan.before as { indexes?: { schema: string; name: string }[] }).indexes ?? []).map(
        (i) => `${i.schema}.${i.name}`,
      ),
    );
    for (const t of plan.params.targets) {
      if (t.leftover_of) continue;
      for (const copy of await halfBuiltCopies(ctx.db, t)) {
        if (before.has(`${t.schema}.${copy}`)) continue;
        await runCancellable(
          ctx,
          `DROP INDEX CONCURRENTLY IF EXISTS ${qualifiedName(t.schema, copy)}`,
          DROP_TIMEOUT_MS,
          { step: 'cleanup' },
        );
        removed.push(`${t.schema}.${copy}`);
      }
    }
    return removed;
  },
});

/** `CREATE [UNIQUE] INDEX name ON …` → `CREATE [UNIQUE] INDEX CONCURRENTLY name ON …`. */
export function concurrently(definition: string): string {
  const m = /^CREATE (UNIQUE )?INDEX /.exec(definition);
  if (!m) throw new Error(`not an index definition: ${definition}`);
  return `CREATE ${m[1] ?? ''}INDEX CONCURRENTLY ${definition.slice(m[0].length)}`;
}

async function resolveTargets(ctx: StrategyContext<Pool>): Promise<Target[]> {
  const oids = ctx.problem.class === 'InvalidIndex' ? ctx.problem.index_ids : [];
  if (oids.length === 0) return [];
  const { rows } = await ctx.db.query<Target>(
    `SELECT n.nspname AS schema, c.relname AS name, pg_get_indexdef(c.oid) AS definition,
            (SELECT b.relname FROM pg_class b JOIN pg_index bi ON bi.indexrelid = b.oid
              WHERE b.relnamespace = c.relnamespace AND bi.indrelid = i.indrelid AND bi.indisvalid
                AND starts_with(c.relname, b.relname) AND substr(c.relname,
                  length(b.relname) + 1) ~ '^_cc(new|old)[0-9]*$'
              LIMIT 1) AS leftover_of
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = ANY ($1::oid[]) AND i.indrelid = $2 AND NOT i.indisvalid`,
    [oids, ctx.collection.table_oid],
  );
  return rows;
}

/** The INVALID `<name>_ccnew…` copies a failed REINDEX CONCURRENTLY of `t` leaves on its table. */
async function halfBuiltCopies(db: Pool, t: { schema: string; name: string }): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_index i ON i.indexrelid = c.oid
      WHERE n.nspname = $1 AND NOT i.indisvalid AND starts_with(c.relname, $2 || '_ccnew')
        AND substr(c.relname, length($2) + 1) ~ '^_ccnew[0-9]*$'
        AND i.indrelid = (SELECT x.indrelid FROM pg_index x JOIN pg_class xc ON xc.oid = x.indexrelid
                           WHERE xc.relnamespace = n.oid AND xc.relname = $2)`,
    [t.schema, t.name],
  );
  return rows.map((r) => r.name);
}

/** The server's message with its detail (`Key (sku)=(a) is duplicated.`): what a person acts on. */
function describePgError(err: unknown): string {
  const e = err as { message?: string; detail?: string };
  return `${e.message ?? String(err)}${e.detail ? ` (${e.detail.replace(/\.$/, '')})` : ''}`;
}

async function stateOf(db: Pool, t: { schema: string; name: string }): Promise<IndexState> {
  const { rows } = await db.query<{ valid: boolean; definition: string }>(
    `SELECT i.indisvalid AS valid, pg_get_indexdef(c.oid) AS definition
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_index i ON i.indexrelid = c.oid
      WHERE n.nspname = $1 AND c.relname = $2`,
    [t.schema, t.name],
  );
  const r = rows[0];
  return { schema: t.schema, name: t.name, exists: !!r, valid: r?.valid ?? false, definition: r?.definition ?? null };
}
