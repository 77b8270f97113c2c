import { randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from '../../src/postgres/pool';
import { withClient } from '../../src/postgres/pool';
import { qualifiedName, quoteIdent } from '../../src/postgres/quote-ident';
import type { StrategyContext } from '../../src/strategies/strategy';
import type { Check } from './sandbox-checks';

/** Rows copied into the scratch table: enough to time the work, cheap to copy. */
const SAMPLE_ROWS = 20_000;

/**
 * The *complete* sandbox: a scratch schema holding a copy of the collection's table
 * (definition and indexes, LIKE … INCLUDING ALL) with a sample of its rows, where the strategy's
 * statement runs for real. Its duration is measured and projected to the full table; the check
 * fails when the projection exceeds the execute timeout (2 × the estimated duration), so the attempt
 * refuses to run work it could not finish. The scratch schema is always dropped.
 */
export async function completeSandbox(
  ctx: StrategyContext<Pool>,
  estimatedSeconds: number,
  run: (c: PoolClient, scratchTable: string) => Promise<void>,
): Promise<Check> {
  const schema = `selfheal_sandbox_${randomBytes(6).toString('hex')}`;
  const src = qualifiedName(ctx.collection.table_schema, ctx.collection.table_name);
  const scratch = qualifiedName(schema, ctx.collection.table_name);
  return withClient(ctx.db, async (c) => {
    try {
      const total = Number(
        (
          await c.query<{ n: number }>('SELECT greatest(reltuples, 0)::float8 AS n FROM pg_class WHERE oid = $1', [
            ctx.collection.table_oid,
          ])
        ).rows[0]?.n ?? 0,
      );
      await c.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
      await c.query(`CREATE TABLE ${scratch} (LIKE ${src} INCLUDING ALL)`);
      const pct = total > 0 ? Math.min(100, (200 * SAMPLE_ROWS) / total) : 100;
      // SYSTEM sampling reads only the chosen pages; twice the share, then a LIMIT, keeps the count steady.
      const copied =
        (
          await c.query(
            `INSERT INTO ${scratch} SELECT * FROM ${src} TABLESAMPLE SYSTEM (${pct.toFixed(4)}) LIMIT ${SAMPLE_ROWS}`,
          )
        ).rowCount ?? 0;
      ctx.heartbeat({ step: 'sandbox: run on a scratch copy', done: copied, unit: 'rows copied' });
      const t0 = process.hrtime.bigint();
      await run(c, scratch);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const projectedS = (ms / 1000) * Math.max(1, total / Math.max(1, copied));
      const limitS = 2 * estimatedSeconds;
      return {
        name: 'complete_run',
        passed: projectedS <= limitS,
        detail:
          `ran on ${copied} of ~${Math.round(total)} rows in a scratch copy: ${ms.toFixed(0)} ms, ` +
          `projected ${projectedS.toFixed(1)} s for the table (limit ${limitS} s)`,
      };
    } finally {
      await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`).catch(() => undefined);
    }
  });
}
