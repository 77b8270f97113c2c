/**
 * Counter readings for rates (temp bytes, per-partition row operations): two per collection and
 * family, so a sample soon after another still has a base old enough and need not wait. Replaces
 * the one-reading tables of migrations 5 and 6 (a cache: nothing in them is lost).
 */
export const sql = `
CREATE TABLE ruvector.counter_windows (
    collection_id  INTEGER NOT NULL REFERENCES ruvector.collections(id) ON DELETE CASCADE,
    family         TEXT NOT NULL,
    latest         JSONB NOT NULL,
    latest_at      TIMESTAMPTZ NOT NULL,
    older          JSONB,
    older_at       TIMESTAMPTZ,
    PRIMARY KEY (collection_id, family)
);
DROP TABLE ruvector.partition_counters;
DROP TABLE ruvector.sensor_counters;
`;
