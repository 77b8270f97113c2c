import type { StrategyProgress } from '../../src/domain/strategy-progress';
import type { PoolClient } from '../../src/postgres/pool';
import { savePlacement, type RowPlacement } from '../../src/postgres/placement-snapshot';
import { qualifiedName, quoteIdent } from '../../src/postgres/quote-ident';

/** A slice of a partition's rows, chosen by a stable hash of the row id into 100 buckets. */
export interface Slice {
  from: number;
  to: number;
  /** Buckets [lo, hi) of 100. */
  lo: number;
  hi: number;
}

/**
 * A mover's heartbeat: the slice under way (the item-th of items), and the rows moved so far (of
 * `total` when the mover knows how many it will move).
 */
export function moveProgress(
  s: Slice,
  o: { item: number; items: number; moved: number; total?: number; detail?: string },
): StrategyProgress {
  return {
    step: 'move rows',
    target: `partition ${s.from} → ${s.to}`,
    item: o.item,
    items: o.items,
    done: o.moved,
    ...(o.total !== undefined ? { total: o.total } : {}),
    unit: 'rows moved',
    detail: o.detail ?? `hash buckets ${s.lo}–${s.hi} of 100`,
  };
}

function bucket(p: RowPlacement): string {
  return `((hashint8(t.${quoteIdent(p.id_column)}::int8) & 2147483647) % 100)`;
}

/**
 * Moves one slice from partition `from` to `to` (an UPDATE of the partition key, which PostgreSQL
 * turns into a move between partitions), recording each row's placement first, in one transaction.
 */
export async function moveSlice(c: PoolClient, key: string, p: RowPlacement, s: Slice): Promise<number> {
  const t = qualifiedName(p.schema, p.table);
  const k = quoteIdent(p.key_column);
  const where = `t.${k} = $2 AND ${bucket(p)} >= $3 AND ${bucket(p)} < $4`;
  await c.query('BEGIN');
  try {
    await savePlacement(c, key, p, where, [s.from, s.lo, s.hi]);
    const r = await c.query(`UPDATE ${t} t SET ${k} = $1 WHERE ${where}`, [s.to, s.from, s.lo, s.hi]);
    await c.query('COMMIT');
    await flushOwnCounts(c);
    return r.rowCount ?? 0;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Moves a slice back: only rows recorded as coming from `from` that still sit in `to`. */
export async function undoSlice(c: PoolClient, key: string, p: RowPlacement, s: Slice): Promise<number> {
  const t = qualifiedName(p.schema, p.table);
  const k = quoteIdent(p.key_column);
  const r = await c.query(
    `UPDATE ${t} t SET ${k} = $2 FROM ruvector.placement_snapshots s
      WHERE s.snapshot_key = $1 AND s.row_id = t.${quoteIdent(p.id_column)} AND s.partition_id = $2
        AND t.${k} = $3 AND ${bucket(p)} >= $4 AND ${bucket(p)} < $5`,
    [key, s.from, s.to, s.lo, s.hi],
  );
  await flushOwnCounts(c);
  return r.rowCount ?? 0;
}

/**
 * A backend reports its row counts up to 10 s after a transaction (at most once a second): the
 * move's own deletes and inserts would land inside the load window measured after it and make the
 * partition it filled look hot. Flushed now, they fall before that window opens.
 */
async function flushOwnCounts(c: PoolClient): Promise<void> {
  await c.query('SELECT pg_stat_force_next_flush()');
  await c.query('SELECT 1');
}
