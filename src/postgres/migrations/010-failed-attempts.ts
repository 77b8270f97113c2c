/**
 * An attempt that failed (a step that kept failing after its retries) is recorded as Failed, with
 * what it compensated: before, its row stayed 'running'.
 */
export const sql = `
ALTER TABLE ruvector.healing_attempts DROP CONSTRAINT healing_attempts_status_check;
ALTER TABLE ruvector.healing_attempts ADD CONSTRAINT healing_attempts_status_check
    CHECK (status IN ('running', 'Completed', 'Deferred', 'NoStrategy', 'Aborted', 'DryRun', 'RolledBack', 'Failed'));
`;
