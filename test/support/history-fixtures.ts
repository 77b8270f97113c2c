import type { Pool } from '../../src/postgres/pool';

/** The store's tables retention deletes from, each with the columns that order its rows. */
export const HISTORY_TABLES = {
  healing_attempts: 'id',
  healing_outcomes: 'id',
  placement_snapshots: 'snapshot_key, row_id',
  weight_updates: 'id',
  strategy_weight_history: 'update_id, problem_class, strategy_name',
  strategy_weights: 'problem_class, strategy_name',
  weight_resets: 'id',
  notifications: 'notice_key, target',
  healing_commands: 'id',
} as const;
export type HistoryTable = keyof typeof HISTORY_TABLES;
export type HistoryRows = Record<HistoryTable, Record<string, unknown>[]>;

/** Every row of those tables, whole, in a fixed order: what "untouched" is compared against. */
export async function historyRows(pool: Pool): Promise<HistoryRows> {
  const out = {} as HistoryRows;
  for (const [table, order] of Object.entries(HISTORY_TABLES) as [HistoryTable, string][]) {
    const { rows } = await pool.query<{ r: Record<string, unknown> }>(
      `SELECT to_jsonb(t) AS r FROM ruvector.${table} t ORDER BY ${order}`,
    );
    out[table] = rows.map((x) => x.r);
  }
  return out;
}

/** Empties the store's history and collections, so a test starts from nothing whatever ran before it. */
export async function emptyHistory(pool: Pool): Promise<void> {
  await pool.query(
    `TRUNCATE ruvector.healing_attempts, ruvector.healing_outcomes, ruvector.placement_snapshots,
              ruvector.strategy_weight_history, ruvector.strategy_weights, ruvector.weight_resets,
              ruvector.weight_updates, ruvector.watch_events, ruvector.collections, ruvector.healing_config,
              ruvector.notifications, ruvector.healing_commands CASCADE`,
  );
}

export interface AttemptFixture {
  status?: 'running' | 'Completed' | 'Deferred' | 'NoStrategy' | 'Aborted' | 'DryRun' | 'RolledBack' | 'Failed';
  strategy?: string | null;
  /** A plan that records this placement key as its snapshot (partition-moving strategies), or any plan. */
  plan?: { placement_key?: string } | null;
  compensation?: Record<string, unknown> | null;
  /** Writes an outcome row of the same age and points the attempt at it. */
  outcome?: boolean;
  rollback_of?: number;
}

/**
 * Rows of the store written as selfheal writes them, with the ages a test needs. Ages are days before
 * now (fractions allowed); an attempt ends a minute after it starts.
 */
export class HistoryFixture {
  private readonly names = new Map<number, string>();

  constructor(private readonly pool: Pool) {}

  async collection(name: string): Promise<number> {
    const { rows } = await this.pool.query<{ id: number }>(
      `INSERT INTO ruvector.collections (name, table_schema, table_name) VALUES ($1, 'public', $1) RETURNING id`,
      [name],
    );
    this.names.set(rows[0]!.id, name);
    return rows[0]!.id;
  }

  /** The key a partition-moving strategy of this collection's attempts saves its placements under. */
  placementKey(collection: number, strategy: string): string {
    return `healing-attempt/${this.names.get(collection)}/${strategy}`;
  }

  async outcome(collection: number, daysAgo: number, strategy = 'compact_indexes'): Promise<number> {
    const { rows } = await this.pool.query<{ id: number }>(
      `INSERT INTO ruvector.healing_outcomes
         (collection_id, problem_class, problem_details, strategy_name, started_at, completed_at, duration_ms, success,
          verified, initial_lambda, final_lambda)
       SELECT $1, 'IndexFragmentation', '{"class": "IndexFragmentation"}', $2, t, t + interval '1 minute',
              60000, true, true, 0.5, 0.9
         FROM (SELECT now() - make_interval(secs => $3::float8 * 86400) AS t) ago
       RETURNING id`,
      [collection, strategy, daysAgo],
    );
    return rows[0]!.id;
  }

  async attempt(collection: number, daysAgo: number, a: AttemptFixture = {}): Promise<number> {
    const status = a.status ?? 'Deferred';
    const strategy = a.strategy === undefined ? null : a.strategy;
    const outcomeId = a.outcome ? await this.outcome(collection, daysAgo, strategy ?? 'compact_indexes') : null;
    const plan =
      a.plan === undefined || a.plan === null
        ? null
        : {
            strategy,
            params: {},
            snapshot: a.plan.placement_key === undefined ? null : { placement_key: a.plan.placement_key },
            before: {},
          };
    const { rows } = await this.pool.query<{ id: number }>(
      `INSERT INTO ruvector.healing_attempts
         (workflow_id, run_id, collection_id, trigger, status, strategy_name, reason, plan, compensation, outcome_id,
          rollback_of, started_at, completed_at)
       SELECT 'healing-attempt/' || c.name, gen_random_uuid()::text, c.id, 'test', $2::text, $3::text, 'fixture',
              $4, $5, $6, $7, t, CASE WHEN $2::text = 'running' THEN NULL ELSE t + interval '1 minute' END
         FROM ruvector.collections c, (SELECT now() - make_interval(secs => $8::float8 * 86400) AS t) ago
        WHERE c.id = $1
       RETURNING id`,
      [
        collection,
        status,
        strategy,
        plan === null ? null : JSON.stringify(plan),
        a.compensation === undefined || a.compensation === null ? null : JSON.stringify(a.compensation),
        outcomeId,
        a.rollback_of ?? null,
        daysAgo,
      ],
    );
    const id = rows[0]!.id;
    if (a.rollback_of !== undefined)
      await this.pool.query('UPDATE ruvector.healing_attempts SET rolled_back_by = $1 WHERE id = $2', [
        id,
        a.rollback_of,
      ]);
    return id;
  }

  async outcomeOf(attempt: number): Promise<number> {
    const { rows } = await this.pool.query<{ outcome_id: number | null }>(
      'SELECT outcome_id FROM ruvector.healing_attempts WHERE id = $1',
      [attempt],
    );
    if (rows[0]?.outcome_id == null) throw new Error(`attempt ${attempt} has no outcome`);
    return rows[0].outcome_id;
  }

  /** A person's feedback on the outcome, given `daysAgo`. */
  async feedback(outcome: number, daysAgo: number): Promise<void> {
    await this.pool.query(
      `UPDATE ruvector.healing_outcomes
          SET feedback_score = 0.5, feedback_by = 'alice', feedback_comment = 'fixture',
              feedback_at = now() - make_interval(secs => $2::float8 * 86400)
        WHERE id = $1`,
      [outcome, daysAgo],
    );
  }

  /** A rollback of `target`, recorded as selfheal records one: both rows refer to each other. */
  async rollback(target: number, collection: number, daysAgo: number, strategy: string): Promise<number> {
    return this.attempt(collection, daysAgo, { status: 'RolledBack', strategy, rollback_of: target });
  }

  async snapshot(key: string, rows = 3): Promise<void> {
    await this.pool.query(
      `INSERT INTO ruvector.placement_snapshots (snapshot_key, row_id, partition_id, taken_at)
       SELECT $1, g, g % 4, now() - interval '1 hour' FROM generate_series(1, $2::int) g`,
      [key, rows],
    );
  }

  /** A weight update with a history row per pair. */
  async weightUpdate(daysAgo: number, pairs = 2, windowDays = 30): Promise<number> {
    const { rows } = await this.pool.query<{ id: number }>(
      `INSERT INTO ruvector.weight_updates (computed_at, trigger, window_days, learning_enabled, outcomes_used)
       VALUES (now() - make_interval(secs => $1::float8 * 86400), 'schedule', $2, true, 10) RETURNING id`,
      [daysAgo, windowDays],
    );
    const id = rows[0]!.id;
    await this.pool.query(
      `INSERT INTO ruvector.strategy_weight_history
         (update_id, problem_class, strategy_name, weight, success_rate, avg_improvement, outcomes)
       SELECT $1, 'IndexFragmentation', 'strategy_' || g, 1, 0.5, 0.1, 5 FROM generate_series(1, $2::int) g`,
      [id, pairs],
    );
    return id;
  }

  /** The current weight of a pair, computed by `updateId`. */
  async currentWeight(updateId: number, strategy: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO ruvector.strategy_weights
         (problem_class, strategy_name, weight, success_rate, avg_improvement, outcomes, update_id, computed_at)
       SELECT 'IndexFragmentation', $2, 1, 0.5, 0.1, 5, id, computed_at FROM ruvector.weight_updates WHERE id = $1`,
      [updateId, strategy],
    );
  }

  /** A notice about attempt `actionId` to one target, created `daysAgo` (posted then, unless still sending). */
  async notice(
    actionId: number,
    daysAgo: number,
    status: 'sending' | 'posted' | 'refused' = 'posted',
  ): Promise<string> {
    const key = `approval/${actionId}/${daysAgo}`;
    await this.pool.query(
      `INSERT INTO ruvector.notifications (notice_key, target, action_id, event, collection, status, tries, created_at,
                                           posted_at)
       SELECT $1, 'https://hooks.example/x', $2, 'approval', 'fixture', $3::text, 1, t,
              CASE WHEN $3::text = 'posted' THEN t END
         FROM (SELECT now() - make_interval(secs => $4::float8 * 86400) AS t) ago`,
      [key, actionId, status, daysAgo],
    );
    return key;
  }

  /** A SQL command queued `daysAgo`, relayed a minute later unless `relayed` is false. */
  async command(daysAgo: number, relayed = true): Promise<number> {
    const { rows } = await this.pool.query<{ id: number }>(
      `INSERT INTO ruvector.healing_commands (kind, args, requested_by, requested_at, relay_attempts, relayed_at)
       SELECT 'trigger', '{"collection": "fixture"}', 'alice', t, $2::int,
              CASE WHEN $2::int > 0 THEN t + interval '1 minute' END
         FROM (SELECT now() - make_interval(secs => $1::float8 * 86400) AS t) ago
       RETURNING id`,
      [daysAgo, relayed ? 1 : 0],
    );
    return rows[0]!.id;
  }

  async reset(updateId: number, daysAgo: number, strategy: string): Promise<number> {
    const { rows } = await this.pool.query<{ id: number }>(
      `INSERT INTO ruvector.weight_resets (update_id, problem_class, strategy_name, reset_at, reason)
       VALUES ($1, 'IndexFragmentation', $2, now() - make_interval(secs => $3::float8 * 86400), 'fixture')
       RETURNING id`,
      [updateId, strategy, daysAgo],
    );
    return rows[0]!.id;
  }
}

/** `rows` without those whose `key` is among `gone`. */
export function without(
  rows: Record<string, unknown>[],
  gone: Iterable<unknown>,
  key = 'id',
): Record<string, unknown>[] {
  const g = new Set(gone);
  return rows.filter((r) => !g.has(r[key]));
}
