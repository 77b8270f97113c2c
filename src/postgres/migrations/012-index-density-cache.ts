/**
 * Leaf densities pgstatindex measured, per index, with what the index looked like then: reused
 * by later samples until the index has changed (another relfilenode, a vacuum of its table, or
 * enough rows written), so a confirmed index is not read in full on every sample. A cache:
 * dropping it loses nothing but the readings.
 */
export const sql = `
CREATE TABLE ruvector.index_density (
    index_oid           OID PRIMARY KEY,
    table_oid           OID NOT NULL,
    relfilenode         OID NOT NULL,
    table_vacuums       BIGINT NOT NULL,
    table_writes        BIGINT NOT NULL,
    index_tuples        DOUBLE PRECISION NOT NULL,
    size_bytes          BIGINT NOT NULL,
    avg_leaf_density    DOUBLE PRECISION,
    leaf_fragmentation  DOUBLE PRECISION,
    leaf_pages          DOUBLE PRECISION,
    measured_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX index_density_table ON ruvector.index_density (table_oid);
`;
