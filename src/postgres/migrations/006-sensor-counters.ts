/** Cumulative server counters read by the last sample (e.g. temp bytes), so the next sample can take a rate. */
export const sql = `
CREATE TABLE ruvector.sensor_counters (
    collection_id  INTEGER NOT NULL REFERENCES ruvector.collections(id) ON DELETE CASCADE,
    counter        TEXT NOT NULL,
    value          DOUBLE PRECISION NOT NULL,
    sampled_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (collection_id, counter)
);
`;
