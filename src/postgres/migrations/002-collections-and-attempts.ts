/**
 * What selfheal needs beside the outcome table: the collections it watches, one row per
 * healing attempt (every attempt, also those deferred before any strategy ran; its id is the
 * action id people approve or abort), and stored configuration.
 */
export const sql = `
CREATE TABLE ruvector.collections (
    id            SERIAL PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z_][A-Za-z0-9_-]{0,62}$'),
    table_schema  TEXT NOT NULL,
    table_name    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    UNIQUE (table_schema, table_name)
);

CREATE TABLE ruvector.healing_attempts (
    id             BIGSERIAL PRIMARY KEY,
    workflow_id    TEXT NOT NULL,
    run_id         TEXT NOT NULL,
    collection_id  INTEGER NOT NULL REFERENCES ruvector.collections(id),
    trigger        TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'running'
                   CHECK (status IN ('running', 'Completed', 'Deferred', 'NoStrategy')),
    problem_class  TEXT,
    strategy_name  TEXT,
    reason         TEXT,
    sandbox        JSONB,
    compensation   JSONB,
    outcome_id     BIGINT REFERENCES ruvector.healing_outcomes(id),
    started_at     TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    completed_at   TIMESTAMPTZ,
    UNIQUE (workflow_id, run_id)
);
CREATE INDEX idx_healing_attempts_collection ON ruvector.healing_attempts(collection_id, started_at DESC);

CREATE TABLE ruvector.healing_config (
    scope       TEXT PRIMARY KEY,  -- '*' for all collections, else a collection name
    config      JSONB NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
`;
