import { healingConfigSchema, withKnownStrategiesOnly, type HealingConfig } from '../domain/healing-config';
import type { Queryable } from './queryable';

/**
 * Every collection's configuration in one statement: defaults, then '*', then its own row. Returns
 * the database-wide one and the collections whose own row differs from it.
 */
export async function loadHealingConfigs(
  db: Queryable,
  names: readonly string[],
): Promise<{ base: HealingConfig; own: Map<string, HealingConfig> }> {
  const { rows } = await db.query<{ scope: string; config: Record<string, unknown> }>(
    `SELECT scope, config FROM ruvector.healing_config WHERE scope = '*' OR scope = ANY($1::text[])`,
    [names],
  );
  const star = rows.find((r) => r.scope === '*')?.config ?? {};
  const base = healingConfigSchema.parse(withKnownStrategiesOnly(star));
  const own = new Map<string, HealingConfig>();
  for (const r of rows) {
    if (r.scope === '*') continue;
    own.set(r.scope, healingConfigSchema.parse(withKnownStrategiesOnly({ ...star, ...r.config })));
  }
  return { base, own };
}

export interface AttemptEnd {
  workflow_id: string;
  run_id: string;
  /** Completed, Deferred, NoStrategy, DryRun, Aborted, Failed, RolledBack. */
  status: string;
  initial_lambda: number | null;
  final_lambda: number | null;
  /** The action id, and why it ended so: what a notice to a person names (absent in passes recorded before). */
  attempt_id?: number;
  reason?: string | null;
  problem_class?: string | null;
}

/** Of the given attempts, those whose row says they ended, with the λ their outcome measured. */
export async function attemptEnds(
  db: Queryable,
  refs: readonly { workflow_id: string; run_id: string }[],
): Promise<AttemptEnd[]> {
  if (refs.length === 0) return [];
  const { rows } = await db.query<AttemptEnd>(
    `SELECT a.workflow_id, a.run_id, a.status, o.initial_lambda::float8 AS initial_lambda,
       o.final_lambda::float8 AS final_lambda, a.id AS attempt_id, a.reason, a.problem_class
       FROM ruvector.healing_attempts a LEFT JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id
      WHERE (a.workflow_id, a.run_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND a.status <> 'running'`,
    [refs.map((r) => r.workflow_id), refs.map((r) => r.run_id)],
  );
  return rows;
}
