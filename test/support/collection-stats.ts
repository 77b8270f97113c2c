import type { CollectionStats, IndexStats, MaintenanceJob } from '../../src/sensor/collection-stats';

/** A btree measured at this leaf density (90 is a fresh build); null when it was not measured. */
export function btree(oid: number, density: number | null, valid = true): IndexStats {
  return {
    oid,
    name: `ix${oid}`,
    size_bytes: 4e6,
    is_btree: true,
    is_valid: valid,
    avg_leaf_density: density,
    leaf_fragmentation: 0,
    leaf_pages: 500,
  };
}

/** An autovacuum that has run ten minutes, blocking nobody unless told. */
export function maintenanceJob(over: Partial<MaintenanceJob> = {}): MaintenanceJob {
  return {
    pid: 42,
    job_type: 'autovacuum',
    phase: 'scanning heap',
    running_seconds: 600,
    is_autovacuum: true,
    blocking: 0,
    ...over,
  };
}

/**
 * A sample of a plain 100,000-row table with nothing wrong and no indexes unless given: what tests
 * and benches start from before they break one part.
 */
export function collectionStats(over: Partial<CollectionStats> = {}): CollectionStats {
  return {
    collection: 'c',
    table: {
      oid: 1,
      name: 't',
      live_tuples: 100_000,
      dead_tuples: 0,
      reloptions: null,
      reltuples: 100_000,
      mods_since_analyze: 0,
      last_analyzed_at: null,
      xid_age: 1000,
      freeze_max_age: 200_000_000,
      analysis: [
        {
          name: 't',
          reltuples: 100_000,
          mods_since_analyze: 0,
          analyzed_age_seconds: 3600,
          autoanalyze_due: false,
          stale_for_seconds: null,
        },
      ],
    },
    indexes: [],
    maintenance: [],
    blocking_chains: [],
    runaway_queries: [],
    connections: { max_connections: 100, reserved: 3, used: 10, top_roles: [] },
    partitioning: null,
    memory: { temp_bytes_per_s: 0, window_ms: 2000, work_mem_bytes: 4 * 1024 * 1024, consumers: [] },
    slots: [],
    replicas: [],
    sampled_at: '2026-01-01T00:00:00Z',
    sample_cost_ms: 1,
    ...over,
  };
}
