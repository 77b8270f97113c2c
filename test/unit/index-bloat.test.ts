import {
  chooseConfirmations,
  estimateLeafDensity,
  fragmentedBelowDensity,
  leafTupleBytes,
  needsConfirmation,
  readingStillHolds,
  type BtreeEstimateInputs,
  type IndexChangeMarker,
} from '../../src/sensor/index-bloat';

/** A bigint primary key of 200k rows as a fresh build leaves it (pgstatindex: 549 pages, density 90.06). */
const freshBigint: BtreeEstimateInputs = {
  relpages: 549,
  reltuples: 200_000,
  block_size: 8192,
  maxalign: 8,
  data_width: 8,
  has_nulls: false,
  complete: true,
};

describe('btree bloat estimate from the statistics', () => {
  it('a leaf tuple is its line pointer, the MAXALIGNed header (with a null bitmap when a column has nulls) and the MAXALIGNed data', () => {
    expect(leafTupleBytes({ maxalign: 8, data_width: 8, has_nulls: false })).toBe(4 + 8 + 8);
    expect(leafTupleBytes({ maxalign: 8, data_width: 33, has_nulls: false })).toBe(4 + 8 + 40);
    expect(leafTupleBytes({ maxalign: 8, data_width: 33, has_nulls: true })).toBe(4 + 16 + 40);
  });

  it('reads a fresh bigint key near 90 % and the same index after 80 % of its rows were vacuumed away near 18 %', () => {
    expect(estimateLeafDensity(freshBigint)).toBeGreaterThan(88);
    expect(estimateLeafDensity(freshBigint)).toBeLessThan(91);
    const thinned = estimateLeafDensity({ ...freshBigint, reltuples: 40_000 })!;
    expect(thinned).toBeGreaterThan(17);
    expect(thinned).toBeLessThan(19);
  });

  it('cannot say without statistics for every column, before the first count, or with no page beyond the metapage', () => {
    expect(estimateLeafDensity({ ...freshBigint, complete: false })).toBeNull();
    expect(estimateLeafDensity({ ...freshBigint, data_width: null })).toBeNull();
    expect(estimateLeafDensity({ ...freshBigint, reltuples: -1 })).toBeNull();
    expect(estimateLeafDensity({ ...freshBigint, relpages: 1 })).toBeNull();
  });

  it('caps at 100 (deduplicated duplicates take less room than estimated)', () => {
    expect(estimateLeafDensity({ ...freshBigint, reltuples: 2_000_000 })).toBe(100);
  });

  it('asks pgstatindex to confirm below the classifier line plus the margin, and when it cannot say', () => {
    expect(fragmentedBelowDensity(30)).toBeCloseTo(63);
    expect(needsConfirmation(18, 30)).toBe(true);
    expect(needsConfirmation(75, 30)).toBe(true);
    expect(needsConfirmation(80, 30)).toBe(false);
    expect(needsConfirmation(89.5, 30)).toBe(false);
    expect(needsConfirmation(null, 30)).toBe(true);
  });
});

describe('a stored pgstatindex reading', () => {
  const then: IndexChangeMarker = {
    table_oid: 10,
    relfilenode: 20,
    table_vacuums: 3,
    table_writes: 50_000,
    index_tuples: 40_000,
  };

  it('holds while the index keeps its file, its table is not vacuumed and few rows are written', () => {
    expect(readingStillHolds(then, then)).toBe(true);
    expect(readingStillHolds(then, { ...then, table_writes: 50_000 + 3_999 })).toBe(true);
  });

  it('is stale after a rewrite, a vacuum, a tenth of the entries written, or a statistics reset', () => {
    expect(readingStillHolds(then, { ...then, relfilenode: 21 })).toBe(false);
    expect(readingStillHolds(then, { ...then, table_oid: 11 })).toBe(false);
    expect(readingStillHolds(then, { ...then, table_vacuums: 4 })).toBe(false);
    expect(readingStillHolds(then, { ...then, table_writes: 50_000 + 4_000 })).toBe(false);
    expect(readingStillHolds(then, { ...then, table_writes: 10 })).toBe(false);
  });

  it('on a small index, at least 1000 rows must be written before it is read again', () => {
    const small = { ...then, index_tuples: 100 };
    expect(readingStillHolds(small, { ...small, table_writes: small.table_writes + 999 })).toBe(true);
    expect(readingStillHolds(small, { ...small, table_writes: small.table_writes + 1000 })).toBe(false);
  });
});

describe('confirmations within the byte budget', () => {
  const MiB = 1024 * 1024;
  const c = (oid: number, mib: number, est: number | null) => ({ oid, size_bytes: mib * MiB, estimated_density: est });

  it('reads the worst estimate first, then those it cannot judge, each only if it still fits', () => {
    const { chosen, deferred } = chooseConfirmations(
      [c(1, 100, 50), c(2, 200, 20), c(3, 30, null), c(4, 10, 40)],
      250 * MiB,
    );
    expect(chosen.map((x) => x.oid)).toEqual([2, 4, 3]);
    expect(deferred.map((x) => x.oid)).toEqual([1]);
    expect(chosen.reduce((n, x) => n + x.size_bytes, 0)).toBeLessThanOrEqual(250 * MiB);
  });

  it('reads nothing with a budget of 0, and never an index larger than the budget', () => {
    expect(chooseConfirmations([c(1, 1, 10)], 0).chosen).toEqual([]);
    expect(chooseConfirmations([c(1, 300, 10)], 256 * MiB)).toEqual({ chosen: [], deferred: [c(1, 300, 10)] });
  });
});
