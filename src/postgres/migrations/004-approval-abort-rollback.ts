/**
 * Durable control: who approved or rejected an attempt, abort and dry-run outcomes, and the plan a
 * later rollback compensates from.
 */
export const sql = `
ALTER TABLE ruvector.healing_attempts DROP CONSTRAINT healing_attempts_status_check;
ALTER TABLE ruvector.healing_attempts ADD CONSTRAINT healing_attempts_status_check
    CHECK (status IN ('running', 'Completed', 'Deferred', 'NoStrategy', 'Aborted', 'DryRun', 'RolledBack'));
ALTER TABLE ruvector.healing_attempts
    ADD COLUMN approval JSONB,
    ADD COLUMN plan JSONB,
    ADD COLUMN rolled_back_by BIGINT REFERENCES ruvector.healing_attempts(id),
    ADD COLUMN rollback_of BIGINT REFERENCES ruvector.healing_attempts(id);
`;
