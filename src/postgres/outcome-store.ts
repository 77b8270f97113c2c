import { z } from 'zod';
import { healingConfigSchema, withKnownStrategiesOnly, type HealingConfig } from '../domain/healing-config';
import { appendAudit, UNSIGNED_AUDIT, type AuditSigner } from './audit-log';
import { finishedFacts, rolledBackFact, startedFact, type AttemptAuditRow } from './attempt-audit';
import { FILTER_SQL, filterParams, type HistoryFilter } from './history-filter';
import type { Pool } from './pool';
import { withTransaction } from './pool';
import type { Queryable } from './queryable';

export interface OpenAttemptInput {
  workflow_id: string;
  run_id: string;
  collection_id: number;
  trigger: string;
  /** When the guardian first saw the degradation that led to this attempt. */
  detected_at: string | null;
}

/**
 * Creates the attempt's row, or returns the one a retry of this step made already; a new row's audit
 * row ('started') is written with it.
 */
export async function openAttempt(
  pool: Pool,
  a: OpenAttemptInput,
  audit: AuditSigner = UNSIGNED_AUDIT,
): Promise<number> {
  return withTransaction(pool, async (c) => {
    // xmax is 0 on a row this statement inserted, not on one it found and updated.
    const { rows } = await c.query<{ id: number; inserted: boolean }>(
      `INSERT INTO ruvector.healing_attempts (workflow_id, run_id, collection_id, trigger, detected_at)
        VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (workflow_id, run_id) DO UPDATE SET workflow_id = EXCLUDED.workflow_id
       RETURNING id, xmax = 0 AS inserted`,
      [a.workflow_id, a.run_id, a.collection_id, a.trigger, a.detected_at],
    );
    const row = rows[0]!;
    if (row.inserted) await appendAudit(c, audit, [startedFact(await attemptAuditRow(c, row.id))]);
    return row.id;
  });
}

async function attemptAuditRow(db: Queryable, id: number): Promise<AttemptAuditRow> {
  const { rows } = await db.query<AttemptAuditRow>(
    `SELECT a.id, c.name AS collection, a.trigger, a.workflow_id, a.run_id,
            to_char(a.detected_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS detected_at
       FROM ruvector.healing_attempts a JOIN ruvector.collections c ON c.id = a.collection_id WHERE a.id = $1`,
    [id],
  );
  return rows[0]!;
}

export const outcomeRowSchema = z.object({
  problem_class: z.string(),
  problem_details: z.record(z.unknown()),
  strategy_name: z.string(),
  strategy_params: z.record(z.unknown()).nullable(),
  started_at: z.string(),
  completed_at: z.string(),
  duration_ms: z.number().int(),
  success: z.boolean(),
  verified: z.boolean().nullable(),
  actions_taken: z.number().int().nullable(),
  improvement_pct: z.number().nullable(),
  error_message: z.string().nullable(),
  initial_lambda: z.number(),
  final_lambda: z.number().nullable(),
  witness_edges: z.array(z.unknown()).nullable(),
  system_metrics: z.record(z.unknown()).nullable(),
});
export type OutcomeRow = z.infer<typeof outcomeRowSchema>;

export const finishAttemptSchema = z.object({
  attempt_id: z.number().int(),
  status: z.enum(['Completed', 'Deferred', 'NoStrategy', 'Aborted', 'DryRun', 'Failed']),
  problem_class: z.string().nullable(),
  strategy_name: z.string().nullable(),
  reason: z.string().nullable(),
  sandbox: z.record(z.unknown()).nullable(),
  compensation: z.record(z.unknown()).nullable(),
  /** Who approved or rejected, when and why. */
  approval: z.record(z.unknown()).nullable().default(null),
  /** The executed plan (with its snapshot): what a later rollback compensates from. */
  plan: z.record(z.unknown()).nullable().default(null),
  /** Why the strategy was chosen: the context and the estimates compared (absent before it was recorded). */
  selection: z.record(z.unknown()).nullable().default(null),
  /** Only an attempt whose strategy ran (a strategy ran) writes a healing_outcomes row. */
  outcome: outcomeRowSchema.nullable(),
});
export type FinishAttempt = z.input<typeof finishAttemptSchema>;

/**
 * Records how the attempt ended, once, with its audit rows: the attempt row is locked, and a second
 * call (an activity retry after a lost reply) finds it finished and returns the outcome id written
 * the first time.
 */
export async function finishAttempt(
  pool: Pool,
  f: FinishAttempt,
  audit: AuditSigner = UNSIGNED_AUDIT,
): Promise<{ outcome_id: number | null }> {
  return withTransaction(pool, async (c) => {
    const cur = await c.query<{ status: string; outcome_id: number | null; collection_id: number }>(
      'SELECT status, outcome_id, collection_id FROM ruvector.healing_attempts WHERE id = $1 FOR UPDATE',
      [f.attempt_id],
    );
    const row = cur.rows[0];
    if (!row) throw new Error(`healing attempt ${f.attempt_id} does not exist`);
    if (row.status !== 'running') return { outcome_id: row.outcome_id };
    let outcomeId: number | null = null;
    if (f.outcome) {
      const o = f.outcome;
      const ins = await c.query<{ id: number }>(
        `INSERT INTO ruvector.healing_outcomes
           (collection_id, problem_class, problem_details, strategy_name, strategy_params, started_at, completed_at,
            duration_ms, success, verified, actions_taken, improvement_pct, error_message, initial_lambda, final_lambda,
            witness_edges, system_metrics)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id`,
        [
          row.collection_id,
          o.problem_class,
          JSON.stringify(o.problem_details),
          o.strategy_name,
          o.strategy_params === null ? null : JSON.stringify(o.strategy_params),
          o.started_at,
          o.completed_at,
          o.duration_ms,
          o.success,
          o.verified,
          o.actions_taken,
          o.improvement_pct,
          o.error_message,
          o.initial_lambda,
          o.final_lambda,
          o.witness_edges === null ? null : JSON.stringify(o.witness_edges),
          o.system_metrics === null ? null : JSON.stringify(o.system_metrics),
        ],
      );
      outcomeId = ins.rows[0]!.id;
    }
    await c.query(
      `UPDATE ruvector.healing_attempts
          SET status = $2, problem_class = $3, strategy_name = $4, reason = $5, sandbox = $6, compensation = $7,
              outcome_id = $8, approval = $9, plan = $10, selection = $11, completed_at = now()
        WHERE id = $1`,
      [
        f.attempt_id,
        f.status,
        f.problem_class,
        f.strategy_name,
        f.reason,
        f.sandbox === null ? null : JSON.stringify(f.sandbox),
        f.compensation === null ? null : JSON.stringify(f.compensation),
        outcomeId,
        f.approval === null ? null : JSON.stringify(f.approval),
        f.plan === null ? null : JSON.stringify(f.plan),
        f.selection === null || f.selection === undefined ? null : JSON.stringify(f.selection),
      ],
    );
    const facts = finishedFacts(
      await attemptAuditRow(c, f.attempt_id),
      { ...f, approval: f.approval ?? null, selection: f.selection ?? null },
      outcomeId,
    );
    await appendAudit(c, audit, facts);
    return { outcome_id: outcomeId };
  });
}

export interface HistoryEntry {
  attempt_id: number;
  collection: string;
  workflow_id: string;
  run_id: string;
  trigger: string;
  status: string;
  problem_class: string | null;
  strategy: string | null;
  success: boolean | null;
  verified: boolean | null;
  improvement: number | null;
  initial_lambda: number | null;
  final_lambda: number | null;
  reason: string | null;
  error_message: string | null;
  /** Why the strategy was chosen (`why`, `rule`, `estimates`); null for attempts recorded before it was kept. */
  selection: Record<string, unknown> | null;
  started_at: string;
  completed_at: string | null;
}

/** ruvector_healing_history(since, limit_): newest first, narrowed by the filters given. */
export async function loadHistory(pool: Pool, opts: HistoryFilter & { limit: number }): Promise<HistoryEntry[]> {
  const { rows } = await pool.query<HistoryEntry>(
    `SELECT a.id AS attempt_id, c.name AS collection, a.workflow_id, a.run_id, a.trigger, a.status,
            a.problem_class, a.strategy_name AS strategy, o.success, o.verified,
            o.improvement_pct::float8 AS improvement, o.initial_lambda::float8 AS initial_lambda,
            o.final_lambda::float8 AS final_lambda, a.reason, o.error_message, a.selection,
            to_char(a.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started_at,
            to_char(a.completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS completed_at
       FROM ruvector.healing_attempts a
       JOIN ruvector.collections c ON c.id = a.collection_id
       LEFT JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id
      WHERE ${FILTER_SQL}
      ORDER BY a.started_at DESC, a.id DESC
      LIMIT $6`,
    [...filterParams(opts), opts.limit],
  );
  return rows;
}

/** Outcomes of the last `days` days, as the learned strategy weights read them. */
export async function loadRecentOutcomes(pool: Pool, days: number) {
  const { rows } = await pool.query<{
    strategy_name: string;
    success: boolean;
    verified: boolean | null;
    improvement_pct: number | null;
  }>(
    `SELECT strategy_name, success, verified, improvement_pct::float8 AS improvement_pct
       FROM ruvector.healing_outcomes WHERE started_at >= now() - make_interval(days => $1)`,
    [days],
  );
  return rows;
}

/** Stored configuration: defaults, then the '*' row, then the collection's own row. */
export async function loadHealingConfig(pool: Pool, collection: string): Promise<HealingConfig> {
  const { rows } = await pool.query<{ scope: string; config: Record<string, unknown> }>(
    `SELECT scope, config FROM ruvector.healing_config WHERE scope IN ('*', $1) ORDER BY scope = '*' DESC`,
    [collection],
  );
  const merged = Object.assign({}, ...rows.map((r) => r.config));
  // A strategy name stored before names were checked never gated anything: dropped, not fatal.
  return healingConfigSchema.parse(withKnownStrategiesOnly(merged));
}

/** Who changed the configuration and what they asked for, for its audit row. */
export interface ConfigChangeAudit {
  signer: AuditSigner;
  by: string;
  /** The keys given (the rest of the scope's row is what was stored before). */
  change?: Record<string, unknown>;
}

export async function storeHealingConfig(
  pool: Pool,
  scope: string,
  config: Record<string, unknown>,
  audit: ConfigChangeAudit = { signer: UNSIGNED_AUDIT, by: 'selfheal' },
): Promise<void> {
  await withTransaction(pool, (c) => writeHealingConfig(c, scope, config, audit));
}

/** storeHealingConfig in the caller's transaction (the SQL command relay stores and marks the command at once). */
export async function writeHealingConfig(
  tx: Queryable,
  scope: string,
  config: Record<string, unknown>,
  audit: ConfigChangeAudit,
): Promise<void> {
  await tx.query(
    `INSERT INTO ruvector.healing_config (scope, config) VALUES ($1, $2)
     ON CONFLICT (scope) DO UPDATE SET config = EXCLUDED.config, updated_at = now()`,
    [scope, JSON.stringify(config)],
  );
  await appendAudit(tx, audit.signer, [
    {
      actor: audit.by,
      event: 'configured',
      collection: scope === '*' ? null : scope,
      action_id: null,
      strategy: null,
      reversible: null,
      allowed_by: null,
      details: { scope, ...(audit.change ? { change: audit.change } : {}), config },
    },
  ]);
}

export interface RollbackTarget {
  attempt_id: number;
  strategy_name: string;
  problem_details: Record<string, unknown>;
  plan: Record<string, unknown>;
  completed_at: string;
}

/**
 * The collection's last completed attempt whose change still stands: not compensated at the time
 * and not rolled back since. What ruvector_healing_rollback undoes.
 */
export async function findRollbackTarget(pool: Pool, collection: string): Promise<RollbackTarget | undefined> {
  const { rows } = await pool.query<RollbackTarget>(
    `SELECT a.id AS attempt_id, a.strategy_name, o.problem_details, a.plan,
            to_char(a.completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS completed_at
       FROM ruvector.healing_attempts a
       JOIN ruvector.collections c ON c.id = a.collection_id
       JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id
      WHERE c.name = $1 AND a.status = 'Completed' AND a.plan IS NOT NULL AND a.rolled_back_by IS NULL
        AND coalesce((a.compensation->>'ran')::boolean, false) = false
      ORDER BY a.completed_at DESC, a.id DESC
      LIMIT 1`,
    [collection],
  );
  return rows[0];
}

/** Whether one attempt's change still stands: what a temporary hold checks before it restores it. */
export type StandingChange =
  | { kind: 'standing'; target: RollbackTarget }
  /** Undone already: rolled back (by a person or a hold) or compensated; nothing left to restore. */
  | { kind: 'undone'; reason: string }
  /** A later attempt of the same strategy stands on top: its snapshot holds this one's change, so undo it first. */
  | { kind: 'covered'; by_attempt_id: number };

export async function findStandingChange(pool: Pool, collection: string, attemptId: number): Promise<StandingChange> {
  const { rows } = await pool.query<
    RollbackTarget & { status: string; rolled_back_by: number | null; compensated: boolean; covered_by: number | null }
  >(
    `SELECT a.id AS attempt_id, a.strategy_name, o.problem_details, a.plan, a.status, a.rolled_back_by,
            coalesce((a.compensation->>'ran')::boolean, false) AS compensated,
            to_char(a.completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS completed_at,
            (SELECT min(b.id) FROM ruvector.healing_attempts b
              WHERE b.collection_id = a.collection_id AND b.id > a.id AND b.strategy_name = a.strategy_name
                AND b.status = 'Completed' AND b.plan IS NOT NULL AND b.rolled_back_by IS NULL
                AND coalesce((b.compensation->>'ran')::boolean, false) = false) AS covered_by
       FROM ruvector.healing_attempts a
       JOIN ruvector.collections c ON c.id = a.collection_id
       LEFT JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id
      WHERE c.name = $1 AND a.id = $2`,
    [collection, attemptId],
  );
  const a = rows[0];
  if (!a) return { kind: 'undone', reason: `collection ${collection} has no action ${attemptId}` };
  if (a.status !== 'Completed' || a.plan === null)
    return { kind: 'undone', reason: `action ${attemptId} changed nothing that stands (${a.status})` };
  if (a.rolled_back_by !== null)
    return { kind: 'undone', reason: `action ${attemptId} was rolled back already, by action ${a.rolled_back_by}` };
  if (a.compensated) return { kind: 'undone', reason: `action ${attemptId} was compensated when it ended` };
  if (a.covered_by !== null) return { kind: 'covered', by_attempt_id: a.covered_by };
  return {
    kind: 'standing',
    target: {
      attempt_id: a.attempt_id,
      strategy_name: a.strategy_name,
      problem_details: a.problem_details,
      plan: a.plan,
      completed_at: a.completed_at,
    },
  };
}

/** Records a finished rollback on its own attempt row and on the attempt it undid, once. */
export async function finishRollback(
  pool: Pool,
  r: { attempt_id: number; target_attempt_id: number; strategy_name: string; reason: string },
  audit: AuditSigner = UNSIGNED_AUDIT,
): Promise<void> {
  await withTransaction(pool, async (c) => {
    const cur = await c.query<{ status: string }>(
      'SELECT status FROM ruvector.healing_attempts WHERE id = $1 FOR UPDATE',
      [r.attempt_id],
    );
    if (cur.rows[0]?.status !== 'running') return;
    await c.query(
      `UPDATE ruvector.healing_attempts
        SET status = 'RolledBack', strategy_name = $2, reason = $3, rollback_of = $4, completed_at = now()
        WHERE id = $1`,
      [r.attempt_id, r.strategy_name, r.reason, r.target_attempt_id],
    );
    await c.query('UPDATE ruvector.healing_attempts SET rolled_back_by = $1 WHERE id = $2', [
      r.attempt_id,
      r.target_attempt_id,
    ]);
    await appendAudit(c, audit, [rolledBackFact(await attemptAuditRow(c, r.attempt_id), r)]);
  });
}

export interface AttemptRef {
  id: number;
  workflow_id: string;
  run_id: string;
  status: string;
  collection: string;
  strategy_name: string | null;
  problem_class: string | null;
}

/** An attempt by its action id (the number people approve, reject and abort). */
export async function findAttempt(pool: Pool, id: number): Promise<AttemptRef | undefined> {
  const { rows } = await pool.query<AttemptRef>(
    `SELECT a.id, a.workflow_id, a.run_id, a.status, c.name AS collection, a.strategy_name, a.problem_class
       FROM ruvector.healing_attempts a JOIN ruvector.collections c ON c.id = a.collection_id WHERE a.id = $1`,
    [id],
  );
  return rows[0];
}

/** How the store recorded an attempt's end: what is left of it once Temporal has forgotten its run. */
export async function attemptEnding(
  pool: Pool,
  id: number,
): Promise<{ status: string; reason: string | null; verified: boolean | null } | undefined> {
  const { rows } = await pool.query<{ status: string; reason: string | null; verified: boolean | null }>(
    `SELECT a.status, a.reason, o.verified
       FROM ruvector.healing_attempts a LEFT JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id WHERE a.id = $1`,
    [id],
  );
  return rows[0];
}

/** The stored (partial) configuration of one scope: '*' or a collection name. */
export async function loadScopeConfig(pool: Pool, scope: string): Promise<Record<string, unknown>> {
  const { rows } = await pool.query<{ config: Record<string, unknown> }>(
    'SELECT config FROM ruvector.healing_config WHERE scope = $1',
    [scope],
  );
  return rows[0]?.config ?? {};
}
