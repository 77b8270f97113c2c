/**
 * What the update-weights Schedule learns, kept: the current weight and model of every (class,
 * strategy) pair, each update's figures as history, the resets of drifting strategies; a person's
 * feedback on an outcome, with who gave it; and why each attempt chose its strategy.
 */
export const sql = `
ALTER TABLE ruvector.healing_outcomes
    ADD COLUMN feedback_by      TEXT,
    ADD COLUMN feedback_comment TEXT,
    ADD COLUMN feedback_at      TIMESTAMPTZ;

-- The context the strategy was chosen in and the estimates it was chosen by (what the bandit learns from).
ALTER TABLE ruvector.healing_attempts ADD COLUMN selection JSONB;

CREATE TABLE ruvector.weight_updates (
    id               BIGSERIAL PRIMARY KEY,
    computed_at      TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    trigger          TEXT NOT NULL,
    window_days      INTEGER NOT NULL,
    learning_enabled BOOLEAN NOT NULL,
    outcomes_used    INTEGER NOT NULL,
    -- Set when learning was off: the weights were left as they were.
    skipped_reason   TEXT
);

CREATE TABLE ruvector.strategy_weights (
    problem_class    TEXT NOT NULL,
    strategy_name    TEXT NOT NULL,
    weight           REAL NOT NULL,
    success_rate     REAL NOT NULL,
    avg_improvement  REAL NOT NULL,
    outcomes         INTEGER NOT NULL,
    feedback_count   INTEGER NOT NULL DEFAULT 0,
    model            JSONB,
    update_id        BIGINT NOT NULL REFERENCES ruvector.weight_updates(id),
    computed_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (problem_class, strategy_name)
);

CREATE TABLE ruvector.strategy_weight_history (
    update_id        BIGINT NOT NULL REFERENCES ruvector.weight_updates(id) ON DELETE CASCADE,
    problem_class    TEXT NOT NULL,
    strategy_name    TEXT NOT NULL,
    weight           REAL NOT NULL,
    success_rate     REAL NOT NULL,
    avg_improvement  REAL NOT NULL,
    outcomes         INTEGER NOT NULL,
    PRIMARY KEY (update_id, problem_class, strategy_name)
);

-- A strategy whose outcomes for a class fell in a sustained trend: learned again from its priors.
CREATE TABLE ruvector.weight_resets (
    id               BIGSERIAL PRIMARY KEY,
    update_id        BIGINT NOT NULL REFERENCES ruvector.weight_updates(id),
    problem_class    TEXT NOT NULL,
    strategy_name    TEXT NOT NULL,
    reset_at         TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    reason           TEXT NOT NULL
);
CREATE INDEX idx_weight_resets_pair ON ruvector.weight_resets(problem_class, strategy_name, reset_at DESC);
`;
