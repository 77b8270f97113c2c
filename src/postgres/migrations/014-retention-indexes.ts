/**
 * Retention deletes old attempts and outcomes in batches. Every deleted row has its references checked (the
 * attempt that points at an outcome, a rollback and the change it undid, a reset that names a weight update):
 * without these indexes each check reads the whole table, once per deleted row.
 */
export const sql = `
CREATE INDEX idx_healing_attempts_outcome ON ruvector.healing_attempts (outcome_id) WHERE outcome_id IS NOT NULL;
CREATE INDEX idx_healing_attempts_rolled_back_by ON ruvector.healing_attempts (rolled_back_by)
    WHERE rolled_back_by IS NOT NULL;
CREATE INDEX idx_healing_attempts_rollback_of ON ruvector.healing_attempts (rollback_of) WHERE rollback_of IS NOT NULL;
CREATE INDEX idx_weight_resets_update ON ruvector.weight_resets (update_id);
`;
