import type { Pool } from '../../src/postgres/pool';
import type { RowPlacement } from '../../src/postgres/placement-snapshot';
import {
  readPartitionCounters,
  readPartitionLayout,
  type PartitionCounters,
  type PartitionLayout,
} from '../../src/probes/partitions';
import type { StrategyContext } from '../../src/strategies/strategy';
import type { Check } from './sandbox-checks';

export interface PartitionedTarget {
  placement: RowPlacement;
  layout: PartitionLayout;
  partitions: PartitionCounters[];
}

/**
 * What a strategy that moves rows between partitions needs: a LIST-partitioned table with one integer
 * value per partition, and a row id (its primary key less the partition key). Null with the reason
 * when the collection is not like that.
 */
export async function partitionedTarget(
  ctx: StrategyContext<Pool>,
): Promise<{ target: PartitionedTarget } | { reason: string }> {
  // A table collection's partition key is the user's data: only a declared ivf collection's rows move.
  if (ctx.collection.kind !== 'ivf')
    return {
      reason:
        `${ctx.collection.name} is a ${ctx.collection.kind} collection: its rows are never ` +
        `moved between partitions`,
    };
  const found = await readPartitionLayout(ctx.db, ctx.collection.table_oid);
  if (!found) return { reason: `${ctx.collection.table_schema}.${ctx.collection.table_name} is not partitioned` };
  // The centroids and archive are the ones the operator declared, not guessed from names.
  const layout: PartitionLayout = {
    ...found,
    centroids_table: ctx.collection.centroids_table,
    archive_table: ctx.collection.archive_table,
  };
  if (!layout.key) return { reason: 'the table is not LIST-partitioned on one column' };
  const { rows } = await ctx.db.query<{ col: string }>(
    `SELECT a.attname::text AS col FROM pg_index i
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = $1 AND i.indisprimary AND a.attname <> $2`,
    [ctx.collection.table_oid, layout.key],
  );
  if (rows.length !== 1) return { reason: 'the primary key must be one row id plus the partition key' };
  const partitions = (await readPartitionCounters(ctx.db, ctx.collection.table_oid)).filter((p) => p.value !== null);
  if (partitions.length < 2) return { reason: 'fewer than two partitions with a single list value' };
  return {
    target: {
      placement: {
        schema: ctx.collection.table_schema,
        table: ctx.collection.table_name,
        id_column: rows[0]!.col,
        key_column: layout.key,
      },
      layout,
      partitions,
    },
  };
}

export function targetCheck(r: { target: PartitionedTarget } | { reason: string }): Check {
  return 'target' in r
    ? {
        name: 'partitioned_collection',
        passed: true,
        detail: `${r.target.partitions.length} partitions by ${r.target.layout.key}`,
      }
    : { name: 'partitioned_collection', passed: false, detail: r.reason };
}

/** Splits a qualified name from to_regclass()::text into schema and table (the public schema may be omitted). */
export function splitQualified(name: string): { schema: string; table: string } {
  const parts = name.match(/("([^"]|"")*"|[^.]+)/g) ?? [name];
  const unq = (s: string) => (s.startsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s);
  return parts.length >= 2
    ? { schema: unq(parts[0]!), table: unq(parts[1]!) }
    : { schema: 'public', table: unq(parts[0]!) };
}
