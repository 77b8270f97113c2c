import { strategyReversible } from './attempt-audit';
import { appendAudit, type AuditSigner } from './audit-log';
import { withTransaction, type Pool } from './pool';

/** A person's judgement of one outcome: −1 (made things worse) to 1 (exactly right). */
export interface Feedback {
  score: number;
  /** Null on feedback recorded before who gave it was kept. */
  by: string | null;
  comment: string | null;
  at: string | null;
}

export type FeedbackResult =
  | { kind: 'no-attempt' }
  /** The attempt ran no strategy (or is still running): there is no outcome to judge. */
  | { kind: 'no-outcome'; status: string; collection: string }
  | { kind: 'recorded'; outcome_id: number; collection: string; feedback: Feedback; replaced: Feedback | null };

const AT = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Records feedback on the outcome of attempt `attemptId`, replacing any given before (the earlier
 * one is returned, for the caller to say what it replaced). The outcome row is locked between
 * reading the old feedback and writing the new, so two people at once each replace a whole one.
 * The judgement goes into the audit trail with it: it changes what the weights learn.
 */
export async function recordFeedback(
  pool: Pool,
  f: { attempt_id: number; score: number; by: string; comment: string | null },
  signer: AuditSigner,
): Promise<FeedbackResult> {
  return withTransaction(pool, async (c) => {
    const attempt = await c.query<{
      status: string;
      outcome_id: number | null;
      collection: string;
      strategy_name: string | null;
    }>(
      `SELECT a.status, a.outcome_id, c.name AS collection, a.strategy_name
         FROM ruvector.healing_attempts a JOIN ruvector.collections c ON c.id = a.collection_id WHERE a.id = $1`,
      [f.attempt_id],
    );
    const a = attempt.rows[0];
    if (!a) return { kind: 'no-attempt' };
    if (a.outcome_id === null) return { kind: 'no-outcome', status: a.status, collection: a.collection };
    // Through numeric, a REAL reads as it was given: 0.3, not 0.300000011920929.
    const old = await c.query<{ score: number | null; by: string | null; comment: string | null; at: string | null }>(
      `SELECT feedback_score::numeric::float8 AS score, feedback_by AS by, feedback_comment AS comment,
              ${AT('feedback_at')} AS at
         FROM ruvector.healing_outcomes WHERE id = $1 FOR UPDATE`,
      [a.outcome_id],
    );
    const updated = await c.query<{ score: number; at: string }>(
      `UPDATE ruvector.healing_outcomes
          SET feedback_score = $2, feedback_by = $3, feedback_comment = $4, feedback_at = now()
        WHERE id = $1
        RETURNING feedback_score::numeric::float8 AS score, ${AT('feedback_at')} AS at`,
      [a.outcome_id, f.score, f.by, f.comment],
    );
    const prev = old.rows[0];
    const now = updated.rows[0]!;
    const replaced =
      prev && prev.score !== null ? { score: prev.score, by: prev.by, comment: prev.comment, at: prev.at } : null;
    await appendAudit(c, signer, [
      {
        actor: f.by,
        event: 'feedback',
        collection: a.collection,
        action_id: f.attempt_id,
        strategy: a.strategy_name,
        reversible: a.strategy_name === null ? null : strategyReversible(a.strategy_name),
        allowed_by: null,
        details: { outcome_id: a.outcome_id, score: now.score, comment: f.comment, replaced },
      },
    ]);
    return {
      kind: 'recorded',
      outcome_id: a.outcome_id,
      collection: a.collection,
      feedback: { score: now.score, by: f.by, comment: f.comment, at: now.at },
      replaced,
    };
  });
}
