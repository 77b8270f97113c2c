/**
 * What was told to a person, per notice (action id and event) and webhook target: a retried
 * activity, a replay or a second start finds a target already delivered and posts nothing. The
 * target is named by its kind, host and a hash of its URL, never the URL: Slack's carries a secret.
 * No foreign key to the attempt: retention deletes attempts on its own schedule.
 */
export const sql = `
CREATE TABLE ruvector.notifications (
    notice_key   TEXT NOT NULL,
    target       TEXT NOT NULL,
    action_id    BIGINT NOT NULL,
    event        TEXT NOT NULL CHECK (event IN ('approval', 'deferred', 'ineffective', 'compensation_failed')),
    collection   TEXT NOT NULL,
    -- sending: not delivered yet (tries failed, or one runs now); refused: the target answered 4xx.
    status       TEXT NOT NULL DEFAULT 'sending' CHECK (status IN ('sending', 'posted', 'refused')),
    tries        INTEGER NOT NULL DEFAULT 0,
    last_status  INTEGER,
    last_error   TEXT,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    posted_at    TIMESTAMPTZ,
    PRIMARY KEY (notice_key, target)
);
CREATE INDEX idx_notifications_action ON ruvector.notifications (action_id);
`;
