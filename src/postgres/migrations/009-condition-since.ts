/** Since when a condition has held for a part of a collection (statistics past the stale threshold), across samples. */
export const sql = `
CREATE TABLE ruvector.condition_since (
    collection_id  INTEGER NOT NULL REFERENCES ruvector.collections(id) ON DELETE CASCADE,
    condition      TEXT NOT NULL,
    part           TEXT NOT NULL,
    since          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (collection_id, condition, part)
);
`;
