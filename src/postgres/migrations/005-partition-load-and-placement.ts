/**
 * Partitioned collections: the per-partition operation counters of the last sample (load is their
 * rate between two samples), and row placements saved before a strategy moves rows, so its
 * compensation can put every row back in its partition.
 */
export const sql = `
CREATE TABLE ruvector.partition_counters (
    collection_id  INTEGER NOT NULL REFERENCES ruvector.collections(id) ON DELETE CASCADE,
    relid          OID NOT NULL,
    ops            BIGINT NOT NULL,
    sampled_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (collection_id, relid)
);

CREATE TABLE ruvector.placement_snapshots (
    snapshot_key   TEXT NOT NULL,
    row_id         BIGINT NOT NULL,
    partition_id   INTEGER NOT NULL,
    taken_at       TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (snapshot_key, row_id)
);
`;
