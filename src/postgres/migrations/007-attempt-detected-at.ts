/**
 * When the guardian's sample first saw the degradation an attempt answers: time to detect, apart from time to start.
 */
export const sql = `
ALTER TABLE ruvector.healing_attempts ADD COLUMN detected_at TIMESTAMPTZ;
`;
