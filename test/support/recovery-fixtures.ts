import { runCli } from '../../src/cli/main';
import type { ProblemClass } from '../../src/domain/problem-class';
import type { AttemptStatus } from '../../src/postgres/history-filter';
import type { Pool } from '../../src/postgres/pool';
import type { CliResult } from './test-harness';

/**
 * Attempts and outcomes written straight into the store, at the times a test needs (days and weeks
 * apart), as finishAttempt would have left them: what the history views read, without running them.
 */
export interface AttemptFixture {
  collection: string;
  started_at: Date;
  status?: AttemptStatus;
  problem?: ProblemClass | null;
  strategy?: string | null;
  /** Seconds between detection and the attempt's start; null leaves detected_at empty, as before it was kept. */
  detected_before_s?: number | null;
  /** The strategy ran: its outcome, recorded `completes_after_s` after the start. */
  outcome?: { success: boolean; verified: boolean; completes_after_s: number } | null;
  selection?: { why: string; rule: string; estimates: unknown[] } | null;
}

export interface Inserted {
  attempt_id: number;
  outcome_id: number | null;
}

let runs = 0;

export async function insertAttempt(pool: Pool, f: AttemptFixture): Promise<Inserted> {
  const collectionId = (
    await pool.query<{ id: number }>(
      `INSERT INTO ruvector.collections (name, table_schema, table_name) VALUES ($1, 'public', $1)
       ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
      [f.collection],
    )
  ).rows[0]!.id;
  const at = (s: number) => new Date(f.started_at.getTime() + s * 1000);
  const problem = f.problem ?? null;
  let outcomeId: number | null = null;
  if (f.outcome) {
    if (!problem || !f.strategy) throw new Error('an outcome needs the problem and the strategy that ran');
    outcomeId = (
      await pool.query<{ id: number }>(
        `INSERT INTO ruvector.healing_outcomes (collection_id, problem_class, problem_details, strategy_name,
           started_at, completed_at, duration_ms, success, verified, initial_lambda, witness_edges)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0.4, '[]') RETURNING id`,
        [
          collectionId,
          problem.class,
          JSON.stringify(problem),
          f.strategy,
          f.started_at,
          at(f.outcome.completes_after_s),
          f.outcome.completes_after_s * 1000,
          f.outcome.success,
          f.outcome.verified,
        ],
      )
    ).rows[0]!.id;
  }
  const status = f.status ?? 'Completed';
  const detected = f.detected_before_s === undefined || f.detected_before_s === null ? null : at(-f.detected_before_s);
  const attemptId = (
    await pool.query<{ id: number }>(
      `INSERT INTO ruvector.healing_attempts (workflow_id, run_id, collection_id, trigger, status, problem_class,
         strategy_name, reason, outcome_id, started_at, completed_at, detected_at, selection)
       VALUES ($1, $2, $3, 'degradation', $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
      [
        `healing-attempt/${f.collection}`,
        `run-${process.pid}-${++runs}`,
        collectionId,
        status,
        problem?.class ?? null,
        f.strategy ?? null,
        status === 'Completed' ? 'healed' : `ended ${status}`,
        outcomeId,
        f.started_at,
        status === 'running' ? null : at(f.outcome?.completes_after_s ?? 1),
        detected,
        f.selection === undefined || f.selection === null ? null : JSON.stringify(f.selection),
      ],
    )
  ).rows[0]!.id;
  return { attempt_id: attemptId, outcome_id: outcomeId };
}

/**
 * The CLI as a person runs it, against one test database: only the store is needed, so no worker.
 * DATABASE_URL is read when a command starts, so it is set for that call alone.
 */
export function cliAgainst(databaseUrl: string): (...argv: string[]) => Promise<CliResult> {
  return async (...argv) => {
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = databaseUrl;
    const out: string[] = [];
    const err: string[] = [];
    try {
      const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
      return { code, out: out.join('\n'), err: err.join('\n') };
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
  };
}

export const index = (name: string): ProblemClass => ({
  class: 'IndexFragmentation',
  index_ids: [1],
  index_names: [name],
  fragmentation_pct: 70,
});
export const crowded = (role: string): ProblemClass => ({
  class: 'ConnectionExhaustion',
  used: 95,
  usable: 97,
  usage_pct: 98,
  top_roles: [[role, 80]],
});
export const blocked: ProblemClass = {
  class: 'BlockingChain',
  root_pids: [4242],
  idle_in_transaction_roots: [4242],
  blocked_sessions: 4,
  max_depth: 2,
};
