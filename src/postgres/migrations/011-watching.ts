/**
 * Watching a user's own tables: a collection has a kind (`table`, whose partition key is the user's
 * data, or `ivf`, whose rows may move between partitions) with its declared centroids and archive
 * tables; it remembers its table's OID so a rename is followed, and it is unwatched, not deleted, so
 * its attempts and outcomes stay. Watch rules pick up every matching table of the database.
 */
export const sql = `
ALTER TABLE ruvector.collections
    ADD COLUMN kind            TEXT NOT NULL DEFAULT 'table' CHECK (kind IN ('table', 'ivf')),
    ADD COLUMN centroids_table TEXT,
    ADD COLUMN archive_table   TEXT,
    ADD COLUMN table_oid       OID,
    ADD COLUMN source          TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'rule', 'demo')),
    ADD COLUMN unwatched_at    TIMESTAMPTZ,
    ADD COLUMN unwatch_reason  TEXT,
    ADD CONSTRAINT collections_ivf_centroids CHECK (kind = 'ivf' OR (centroids_table IS NULL
      AND archive_table IS NULL));

UPDATE ruvector.collections SET table_oid = to_regclass(format('%I.%I', table_schema, table_name));

-- Before kinds, a LIST-partitioned table with a <table>_centroids beside it was treated as IVF-style:
-- keep treating the collections registered then that way.
UPDATE ruvector.collections c
   SET kind = 'ivf',
       centroids_table = to_regclass(format('%I.%I', c.table_schema, c.table_name || '_centroids'))::text,
       archive_table = to_regclass(format('%I.%I', c.table_schema, c.table_name || '_archive'))::text
 WHERE to_regclass(format('%I.%I', c.table_schema, c.table_name || '_centroids')) IS NOT NULL
   AND EXISTS (SELECT 1 FROM pg_partitioned_table p WHERE p.partrelid = c.table_oid AND p.partstrat = 'l');

CREATE TABLE ruvector.watch_rules (
    id              SERIAL PRIMARY KEY,
    include         TEXT[] NOT NULL DEFAULT '{*.*}',
    exclude         TEXT[] NOT NULL DEFAULT '{}',
    min_size_bytes  BIGINT NOT NULL DEFAULT 0 CHECK (min_size_bytes >= 0),
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    UNIQUE (include, exclude, min_size_bytes)
);

-- What the watcher did (a table picked up, renamed, dropped): each reported once.
CREATE TABLE ruvector.watch_events (
    id             BIGSERIAL PRIMARY KEY,
    collection_id  INTEGER NOT NULL REFERENCES ruvector.collections(id),
    event          TEXT NOT NULL CHECK (event IN ('watched', 'renamed', 'unwatched')),
    detail         TEXT NOT NULL,
    at             TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
`;
