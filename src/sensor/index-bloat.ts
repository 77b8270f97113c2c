import { HEALTHY_LEAF_DENSITY } from './parts/indexes';

/**
 * Btree bloat from the statistics, without reading the index: the estimation check_postgres and
 * pgwatch use (ioguix/pgsql-bloat-estimation). From the planner's row count, the average width
 * and null fraction of the indexed columns and the page layout, the space the index's leaf
 * tuples need is set against the pages it has, which gives the leaf density pgstatindex would
 * report (used bytes over usable bytes of the leaf pages), in the same units.
 */

/** What the estimate is computed from, as the catalog and pg_stats give it. */
export interface BtreeEstimateInputs {
  /** pg_class.relpages and reltuples of the index, as its last VACUUM, ANALYZE or build left them. */
  relpages: number;
  reltuples: number;
  block_size: number;
  /** 8 on 64-bit builds. */
  maxalign: number;
  /** Σ (1 − null_frac) × avg_width over the index's columns (key and INCLUDE), null when unknown. */
  data_width: number | null;
  /** Some column has nulls: each tuple then carries a null bitmap. */
  has_nulls: boolean;
  /** Every column has statistics; without them the width is not known. */
  complete: boolean;
}

/** Page layout of a btree page (PostgreSQL's storage/bufpage.h, access/nbtree.h, access/itup.h). */
const PAGE_HEADER_BYTES = 24;
const BTREE_OPAQUE_BYTES = 16;
const ITEM_ID_BYTES = 4;
const INDEX_TUPLE_HEADER_BYTES = 8;
/** IndexAttributeBitMapData: one bit per possible key column (INDEX_MAX_KEYS 32). */
const NULL_BITMAP_BYTES = 4;

function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** Bytes one leaf tuple takes on its page, with its line pointer. */
export function leafTupleBytes(x: Pick<BtreeEstimateInputs, 'maxalign' | 'data_width' | 'has_nulls'>): number {
  const header = alignUp(INDEX_TUPLE_HEADER_BYTES + (x.has_nulls ? NULL_BITMAP_BYTES : 0), x.maxalign);
  const data = x.data_width && x.data_width > 0 ? alignUp(x.data_width, x.maxalign) : 0;
  return ITEM_ID_BYTES + header + data;
}

/**
 * Estimated average leaf density (percent, as pgstatindex reports it), or null when the inputs
 * cannot say: no statistics for some column, never counted (reltuples < 0), or no page beyond
 * the metapage. The internal levels are taken as negligible (a fan-out in the hundreds).
 * Deduplicated duplicates need less space than estimated, so such an index reads dense (capped at 100).
 */
export function estimateLeafDensity(x: BtreeEstimateInputs): number | null {
  if (!x.complete || x.data_width === null || x.reltuples < 0 || x.relpages < 2) return null;
  const usablePerPage = x.block_size - PAGE_HEADER_BYTES - BTREE_OPAQUE_BYTES;
  const leafPages = x.relpages - 1; // less the metapage
  return Math.min(100, (100 * x.reltuples * leafTupleBytes(x)) / (leafPages * usablePerPage));
}

/** The classifier's line: a btree under this leaf density is fragmented (90 × (1 − threshold)). */
export function fragmentedBelowDensity(thresholdPct: number): number {
  return HEALTHY_LEAF_DENSITY * (1 - thresholdPct / 100);
}

/**
 * The estimate is good to a few points for fixed-width keys and less for variable-width ones
 * (avg_width is an average, and alignment is taken on it): an index within this margin above
 * the line is confirmed too.
 */
export const ESTIMATE_MARGIN_DENSITY = 15;

/** The estimate says the index may be fragmented, or cannot say: pgstatindex should confirm it. */
export function needsConfirmation(estimatedDensity: number | null, thresholdPct: number): boolean {
  return estimatedDensity === null || estimatedDensity < fragmentedBelowDensity(thresholdPct) + ESTIMATE_MARGIN_DENSITY;
}

/** What an index looked like: a pgstatindex reading stays true while these have not moved. */
export interface IndexChangeMarker {
  table_oid: number;
  relfilenode: number;
  /** vacuum_count + autovacuum_count of its table: a vacuum removes entries (and thins the leaves). */
  table_vacuums: number;
  /** n_tup_ins + n_tup_upd + n_tup_del of its table: new entries split pages. */
  table_writes: number;
  /** Entries the index held (reltuples), what the writes are set against. */
  index_tuples: number;
}

/** Writes under this share of the index's entries (and at least this many rows) leave a reading standing. */
export const REREAD_AFTER_WRITES_RATIO = 0.1;
export const REREAD_AFTER_WRITES_MIN = 1000;

/**
 * A stored reading still describes the index: same relation file (no REINDEX, TRUNCATE or
 * rewrite), no vacuum of its table since, and fewer writes than would move its density by more
 * than about a tenth. A statistics reset (counters going back) counts as a change.
 */
export function readingStillHolds(then: IndexChangeMarker, now: IndexChangeMarker): boolean {
  if (then.table_oid !== now.table_oid || then.relfilenode !== now.relfilenode) return false;
  if (then.table_vacuums !== now.table_vacuums) return false;
  const written = now.table_writes - then.table_writes;
  if (written < 0) return false;
  return written < Math.max(REREAD_AFTER_WRITES_MIN, REREAD_AFTER_WRITES_RATIO * Math.max(0, then.index_tuples));
}

export interface ConfirmCandidate {
  oid: number;
  size_bytes: number;
  estimated_density: number | null;
}

/**
 * Which candidates pgstatindex reads in this pass: the worst estimate first, then those the
 * estimate cannot judge, each only if it fits in what is left of the budget (a smaller one
 * further down may still fit). Returns the chosen and the deferred, each in that order.
 */
export function chooseConfirmations<T extends ConfirmCandidate>(
  candidates: readonly T[],
  budgetBytes: number,
): { chosen: T[]; deferred: T[] } {
  const ordered = [...candidates].sort((a, b) => {
    const ea = a.estimated_density ?? Number.POSITIVE_INFINITY;
    const eb = b.estimated_density ?? Number.POSITIVE_INFINITY;
    return ea - eb || b.size_bytes - a.size_bytes || a.oid - b.oid;
  });
  const chosen: T[] = [];
  const deferred: T[] = [];
  let left = budgetBytes;
  for (const c of ordered) {
    if (c.size_bytes <= left) {
      chosen.push(c);
      left -= c.size_bytes;
    } else {
      deferred.push(c);
    }
  }
  return { chosen, deferred };
}
