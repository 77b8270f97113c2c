import { noRetentionRows, type RetentionCounts } from '../domain/retention-counts';
import { STRATEGY_SPECS } from '../domain/strategies/strategy-specs';
import { loadHealingConfig } from './outcome-store';
import { withTransaction, type Pool } from './pool';
import type { Queryable } from './queryable';

export type { RetentionCounts };

/** Rows per statement: each batch is its own short transaction, so a large backlog never holds locks for long. */
export const RETENTION_BATCH_SIZE = 5000;

/**
 * The learned weights are computed from the outcomes of this many days, each read with its attempt's selection
 * context: those stay whatever history_retention_days says (longer when the last weight update used a longer window).
 */
export const LEARNING_WINDOW_DAYS = 30;

/** The weight updates kept whatever their age, with their history: the trend that led to the current weights. */
export const KEPT_WEIGHT_UPDATES = 10;

/** Due ids are read this many batches at a time: one read of the rules per this many deleting statements. */
const BATCHES_PER_READ = 20;

export interface RetentionReport {
  dry_run: boolean;
  history_retention_days: number;
  learning_window_days: number;
  /** Attempts, outcomes and weight history that ended before this may go (ISO, UTC). */
  cutoff: string;
  /** Outcomes that started after this stay, with their attempts: the weights learn from them. */
  learning_cutoff: string;
  /** Rows deleted; in a dry run, the rows a run now would delete. */
  deleted: RetentionCounts;
  /** False when the time budget ran out first: what is left is due at the next call. */
  done: boolean;
}

export interface RetentionOptions {
  /** Counts what a run now would delete, in one read-only statement. */
  dryRun?: boolean;
  batchSize?: number;
  /** No batch starts after this many ms (the first always runs): `done` says whether everything due went. */
  budgetMs?: number;
  /** Called after every batch with what was deleted so far. */
  heartbeat?: (progress: { phase: keyof RetentionCounts; deleted: RetentionCounts }) => void;
  /** Checked between batches: an aborted run stops there. */
  signal?: AbortSignal;
}

const IRREVERSIBLE: string[] = STRATEGY_SPECS.filter((s) => !s.descriptor.reversible).map((s) => s.name);
const TEMPORARY: string[] = STRATEGY_SPECS.filter((s) => s.descriptor.temporary === true).map((s) => s.name);

interface Window {
  days: number;
  learningDays: number;
  /** When the pass began, by the database's clock. */
  started: string;
  cutoff: string;
  learningCutoff: string;
}

type Param = { value: unknown; cast: string };
type Placeholder = (name: string) => string;

/** Numbers the named parameters a statement uses, each cast, so a fragment never counts placeholders. */
function bind(params: Record<string, Param>, build: (p: Placeholder) => string): { text: string; values: unknown[] } {
  const order: string[] = [];
  const text = build((name) => {
    if (!params[name]) throw new Error(`retention statement uses an unknown parameter ${name}`);
    const i = order.includes(name) ? order.indexOf(name) : order.push(name) - 1;
    return `$${i + 1}::${params[name].cast}`;
  });
  return { text, values: order.map((n) => params[n]!.value) };
}

function windowParams(w: Window): Record<string, Param> {
  return {
    irreversible: { value: IRREVERSIBLE, cast: 'text[]' },
    temporary: { value: TEMPORARY, cast: 'text[]' },
    cutoff: { value: w.cutoff, cast: 'timestamptz' },
    learning_cutoff: { value: w.learningCutoff, cast: 'timestamptz' },
    keep_updates: { value: KEPT_WEIGHT_UPDATES, cast: 'int' },
    started: { value: w.started, cast: 'timestamptz' },
  };
}

/**
 * What is due, as CTEs every statement of a pass shares (PostgreSQL evaluates only those a statement reads).
 *
 * undoable: the attempts whose change `selfheal rollback` or a temporary hold can still undo — completed with a
 * plan, neither compensated nor rolled back, of a reversible strategy, and with no standing irreversible change
 * completed after it on the collection (rollback takes the last standing change and refuses an irreversible one, so
 * nothing below it can be reached again). A hold names its attempt, so a temporary strategy's change stays reachable.
 *
 * due_attempts: ended (never running, never waiting for approval) before the cutoff, not undoable, not the
 * collection's last attempt (what `status` reports and a guardian reads the end of), its outcome (if any) past the
 * learning window and given no feedback since the cutoff (a person's judgement, made by action id, stays as long
 * as a new row would), and — a rollback and the change it undid refer to each other — its partner due too.
 */
function dueCtes(p: Placeholder): string {
  return `
  standing AS (
    SELECT id, collection_id, completed_at, strategy_name, plan FROM ruvector.healing_attempts
     WHERE status = 'Completed' AND plan IS NOT NULL AND rolled_back_by IS NULL
       AND NOT coalesce((compensation->>'ran')::boolean, false)),
  blocker AS (
    SELECT DISTINCT ON (collection_id) collection_id, completed_at, id FROM standing
     WHERE strategy_name = ANY(${p('irreversible')}) ORDER BY collection_id, completed_at DESC, id DESC),
  undoable AS (
    SELECT s.id, s.plan FROM standing s LEFT JOIN blocker k ON k.collection_id = s.collection_id
     WHERE s.strategy_name <> ALL(${p('irreversible')})
       AND (s.strategy_name = ANY(${p('temporary')}) OR k.id IS NULL
            OR (k.completed_at, k.id) < (s.completed_at, s.id))),
  latest AS (SELECT max(id) AS id FROM ruvector.healing_attempts GROUP BY collection_id),
  old_attempts AS (
    SELECT a.id, a.rolled_back_by, a.rollback_of FROM ruvector.healing_attempts a
      LEFT JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id
     WHERE a.status <> 'running' AND coalesce(a.completed_at, a.started_at) < ${p('cutoff')}
       AND (a.outcome_id IS NULL OR (o.started_at < ${p('learning_cutoff')}
            AND (o.feedback_at IS NULL OR o.feedback_at < ${p('cutoff')})))
       AND a.id NOT IN (SELECT id FROM undoable) AND a.id NOT IN (SELECT id FROM latest)),
  due_attempts AS (
    SELECT b.id, coalesce(b.rolled_back_by, b.rollback_of) AS partner FROM old_attempts b
     WHERE (b.rolled_back_by IS NULL OR b.rolled_back_by IN (SELECT id FROM old_attempts))
       AND (b.rollback_of IS NULL OR b.rollback_of IN (SELECT id FROM old_attempts))
       AND NOT EXISTS (SELECT 1 FROM ruvector.healing_attempts r
                        WHERE (r.rolled_back_by = b.id OR r.rollback_of = b.id)
                          AND r.id NOT IN (SELECT id FROM old_attempts))),
  due_outcomes AS (
    SELECT o.id FROM ruvector.healing_outcomes o
     WHERE greatest(o.started_at, o.completed_at, o.feedback_at) < ${p('cutoff')}
       AND o.started_at < ${p('learning_cutoff')}
       AND NOT EXISTS (SELECT 1 FROM ruvector.healing_attempts a
                        WHERE a.outcome_id = o.id AND a.id NOT IN (SELECT id FROM due_attempts))),
  snapshot_keys (key) AS (
    (SELECT snapshot_key FROM ruvector.placement_snapshots ORDER BY snapshot_key LIMIT 1)
    UNION ALL
    SELECT (SELECT s.snapshot_key FROM ruvector.placement_snapshots s WHERE s.snapshot_key > k.key
             ORDER BY s.snapshot_key LIMIT 1)
      FROM snapshot_keys k WHERE k.key IS NOT NULL),
  due_keys AS (
    SELECT k.key FROM snapshot_keys k
     WHERE k.key IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM ruvector.healing_attempts r
                        WHERE r.status = 'running' AND starts_with(k.key, r.workflow_id || '/'))
       AND NOT EXISTS (SELECT 1 FROM undoable u WHERE u.plan->'snapshot'->>'placement_key' = k.key)
       AND NOT EXISTS (SELECT 1 FROM ruvector.healing_attempts f
                        WHERE coalesce((f.compensation->>'ran')::boolean, false)
                          AND NOT coalesce((f.compensation->>'compensated')::boolean, false)
                          AND k.key IN (f.compensation->'snapshot'->>'placement_key',
                                        f.plan->'snapshot'->>'placement_key')
                          AND f.id NOT IN (SELECT id FROM due_attempts))),
  latest_resets AS (
    SELECT DISTINCT ON (problem_class, strategy_name) id FROM ruvector.weight_resets
     ORDER BY problem_class, strategy_name, reset_at DESC, id DESC),
  due_resets AS (
    SELECT r.id FROM ruvector.weight_resets r
     WHERE r.reset_at < least(${p('cutoff')}, ${p('learning_cutoff')})
       AND r.id NOT IN (SELECT id FROM latest_resets)),
  due_updates AS (
    SELECT u.id FROM ruvector.weight_updates u
     WHERE u.computed_at < ${p('cutoff')}
       AND u.id NOT IN (SELECT id FROM ruvector.weight_updates ORDER BY id DESC LIMIT ${p('keep_updates')})
       AND NOT EXISTS (SELECT 1 FROM ruvector.strategy_weights w WHERE w.update_id = u.id)
       AND NOT EXISTS (SELECT 1 FROM ruvector.weight_resets r
                        WHERE r.update_id = u.id AND r.id NOT IN (SELECT id FROM due_resets))),
  due_notices AS (${dueNotices(p('cutoff'))}),
  due_commands AS (${dueCommands(p('cutoff'))})`;
}

function dueQuery(w: Window, select: string): { text: string; values: unknown[] } {
  return bind(windowParams(w), (p) => `WITH RECURSIVE ${dueCtes(p)}\n${select}`);
}

const iso = (expr: string) => `to_char((${expr}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

async function windowOf(db: Queryable, days: number): Promise<Window> {
  const { rows } = await db.query<{ learning_days: number; started: string; cutoff: string; learning_cutoff: string }>(
    `WITH w AS (
       SELECT now() AS t, greatest($2::int, coalesce(
         (SELECT window_days FROM ruvector.weight_updates ORDER BY id DESC LIMIT 1), 0)) AS learning_days)
     SELECT learning_days, ${iso('t')} AS started, ${iso('t - make_interval(days => $1::int)')} AS cutoff,
            ${iso('t - make_interval(days => learning_days)')} AS learning_cutoff
       FROM w`,
    [days, LEARNING_WINDOW_DAYS],
  );
  const r = rows[0]!;
  return {
    days,
    learningDays: r.learning_days,
    started: r.started,
    cutoff: r.cutoff,
    learningCutoff: r.learning_cutoff,
  };
}

/**
 * Deletes what is past history_retention_days ('*' scope) and every placement snapshot no change that can still be
 * undone needs, in batches of `batchSize` rows, each in its own short transaction. Idempotent: a second run finds
 * nothing more, and one stopped by its budget or an abort leaves nothing half-deleted.
 */
export async function deleteExpiredHistory(pool: Pool, opts: RetentionOptions = {}): Promise<RetentionReport> {
  const days = (await loadHealingConfig(pool, '*')).history_retention_days;
  if (opts.dryRun) {
    return withTransaction(pool, async (c) => {
      await c.query('SET TRANSACTION READ ONLY');
      const w = await windowOf(c, days);
      const { text, values } = dueQuery(
        w,
        `SELECT (SELECT count(*) FROM due_attempts)::int AS attempts,
                (SELECT count(*) FROM due_outcomes)::int AS outcomes,
                (SELECT count(*) FROM ruvector.placement_snapshots
                  WHERE snapshot_key IN (SELECT key FROM due_keys))::int AS placement_snapshots,
                (SELECT count(*) FROM due_resets)::int AS weight_resets,
                (SELECT count(*) FROM ruvector.strategy_weight_history
                  WHERE update_id IN (SELECT id FROM due_updates))::int AS weight_history,
                (SELECT count(*) FROM due_updates)::int AS weight_updates,
                (SELECT count(*) FROM due_notices)::int AS notifications,
                (SELECT count(*) FROM due_commands)::int AS commands`,
      );
      const deleted = (await c.query<RetentionCounts>(text, values)).rows[0]!;
      return report(w, true, deleted, true);
    });
  }
  const w = await windowOf(pool, days);
  const pass = new Pass(pool, w, opts);
  const done = await pass.run();
  return report(w, false, pass.deleted, done);
}

function report(w: Window, dryRun: boolean, deleted: RetentionCounts, done: boolean): RetentionReport {
  return {
    dry_run: dryRun,
    history_retention_days: w.days,
    learning_window_days: w.learningDays,
    cutoff: w.cutoff,
    learning_cutoff: w.learningCutoff,
    deleted,
    done,
  };
}

/** One deleting pass: the tables in the order their references allow, a batch per statement. */
class Pass {
  readonly deleted = noRetentionRows();
  private readonly size: number;
  private readonly perRead: number;
  private readonly deadline: number;

  constructor(
    private readonly pool: Pool,
    private readonly w: Window,
    private readonly opts: RetentionOptions,
  ) {
    this.size = Math.max(1, Math.trunc(opts.batchSize ?? RETENTION_BATCH_SIZE));
    // At least two, so a rollback and the change it undid always fit in one read.
    this.perRead = Math.max(2, this.size * BATCHES_PER_READ);
    this.deadline = Date.now() + (opts.budgetMs ?? Number.POSITIVE_INFINITY);
  }

  /** False when the budget ran out before everything due was deleted. */
  async run(): Promise<boolean> {
    // Attempts first: an outcome, or the snapshot of an undo that failed, goes once no attempt kept refers to it.
    return (
      (await this.attempts()) &&
      (await this.drain('outcomes', 'due_outcomes', DELETE_OUTCOMES)) &&
      (await this.snapshots()) &&
      (await this.drain('weight_resets', 'due_resets', DELETE_RESETS)) &&
      (await this.updates()) &&
      (await this.limited('notifications', DELETE_NOTICES)) &&
      (await this.limited('commands', DELETE_COMMANDS))
    );
  }

  private async due<R extends object>(select: string): Promise<R[]> {
    const { text, values } = dueQuery(this.w, select);
    return (await this.pool.query<R & Record<string, unknown>>(text, values)).rows;
  }

  /** One statement in its own transaction, with short lock and statement timeouts; false once the budget is spent. */
  private async batch(
    phase: keyof RetentionCounts,
    text: string,
    values: unknown[],
  ): Promise<{ n: number; go: boolean }> {
    this.opts.signal?.throwIfAborted();
    const n = await withTransaction(this.pool, async (c) => {
      await c.query("SET LOCAL lock_timeout = '2s'");
      await c.query("SET LOCAL statement_timeout = '60s'");
      return (await c.query(text, values)).rowCount ?? 0;
    });
    this.deleted[phase] += n;
    this.opts.heartbeat?.({ phase, deleted: { ...this.deleted } });
    return { n, go: Date.now() < this.deadline };
  }

  private async attempts(): Promise<boolean> {
    for (;;) {
      // Ordered so a rollback and the change it undid are next to each other, and deleted by one statement.
      const rows = await this.due<{ id: number; partner: number | null }>(
        `SELECT id, partner FROM due_attempts ORDER BY least(id, coalesce(partner, id)), id LIMIT ${this.perRead}`,
      );
      const groups = pairUp(rows, rows.length === this.perRead);
      let deleted = 0;
      for (const chunk of packed(groups, this.size)) {
        const b = await this.batch('attempts', DELETE_ATTEMPTS, [chunk]);
        deleted += b.n;
        if (!b.go) return false;
      }
      if (rows.length < this.perRead || deleted === 0) return true;
    }
  }

  private async drain(phase: keyof RetentionCounts, cte: string, statement: string): Promise<boolean> {
    for (;;) {
      const ids = (await this.due<{ id: number }>(`SELECT id FROM ${cte} ORDER BY id LIMIT ${this.perRead}`)).map(
        (r) => r.id,
      );
      let deleted = 0;
      for (const chunk of chunks(ids, this.size)) {
        const b = await this.batch(phase, statement, [chunk]);
        deleted += b.n;
        if (!b.go) return false;
      }
      // Nothing went although some was due: a row referred to since the read; the next pass sees it again.
      if (ids.length < this.perRead || deleted === 0) return true;
    }
  }

  private async snapshots(): Promise<boolean> {
    const keys = (await this.due<{ key: string }>('SELECT key FROM due_keys ORDER BY key')).map((r) => r.key);
    for (const key of keys) {
      for (;;) {
        const b = await this.batch('placement_snapshots', DELETE_SNAPSHOT_ROWS, [key, this.size, this.w.started]);
        if (!b.go) return false;
        if (b.n < this.size) break;
      }
    }
    return true;
  }

  /** A statement that picks its own batch (at most `size` rows still due), run until a batch comes up short. */
  private async limited(phase: keyof RetentionCounts, statement: string): Promise<boolean> {
    for (;;) {
      const b = await this.batch(phase, statement, [this.w.cutoff, this.size]);
      if (b.n < this.size) return true;
      if (!b.go) return false;
    }
  }

  /** Each update's history first, in batches of rows, then the updates themselves. */
  private async updates(): Promise<boolean> {
    for (;;) {
      const ids = (await this.due<{ id: number }>(`SELECT id FROM due_updates ORDER BY id LIMIT ${this.perRead}`)).map(
        (r) => r.id,
      );
      let deleted = 0;
      for (const chunk of chunks(ids, this.size)) {
        for (;;) {
          const h = await this.batch('weight_history', DELETE_HISTORY_ROWS, [chunk, this.size]);
          // A short batch ends their history: the updates go with it even past the budget, or the next call would
          // begin on the same updates with no history left to delete, and stop there again.
          if (h.n < this.size) break;
          if (!h.go) return false;
        }
        const b = await this.batch('weight_updates', DELETE_UPDATES, [chunk]);
        deleted += b.n;
        if (!b.go) return false;
      }
      if (ids.length < this.perRead || deleted === 0) return true;
    }
  }
}

// The deleting statements check again what a row may still be referred to by: a row the rules found due a moment
// ago is never deleted from under a reference made since.
const DELETE_ATTEMPTS = `DELETE FROM ruvector.healing_attempts WHERE id = ANY($1::bigint[]) AND status <> 'running'`;

const DELETE_OUTCOMES = `
  DELETE FROM ruvector.healing_outcomes o
   WHERE o.id = ANY($1::bigint[])
     AND NOT EXISTS (SELECT 1 FROM ruvector.healing_attempts a WHERE a.outcome_id = o.id)`;

// An attempt opens its row (running) long before its strategy saves placements: one of the snapshot's collection
// that is running, or began after this pass read the rules, keeps the key.
const DELETE_SNAPSHOT_ROWS = `
  DELETE FROM ruvector.placement_snapshots
   WHERE snapshot_key = $1::text
     AND row_id IN (SELECT row_id FROM ruvector.placement_snapshots WHERE snapshot_key = $1::text
                     ORDER BY row_id LIMIT $2::int)
     AND NOT EXISTS (SELECT 1 FROM ruvector.healing_attempts r
                      WHERE starts_with($1::text, r.workflow_id || '/')
                        AND (r.status = 'running' OR r.started_at >= $3::timestamptz))`;

/**
 * A notice's row is what keeps it from being posted twice: it stays while its attempt runs (an approval may wait
 * longer than the retention), and goes with the cutoff after that, whether or not its attempt's row is kept.
 */
function dueNotices(cutoff: string): string {
  return `SELECT n.notice_key, n.target FROM ruvector.notifications n
     WHERE coalesce(n.posted_at, n.created_at) < ${cutoff}
       AND NOT EXISTS (SELECT 1 FROM ruvector.healing_attempts a WHERE a.id = n.action_id AND a.status = 'running')`;
}

/** A command not relayed yet is never due, however old: it is relayed when a worker is back. */
function dueCommands(cutoff: string): string {
  return `SELECT c.id FROM ruvector.healing_commands c WHERE c.relayed_at < ${cutoff}`;
}

const DELETE_NOTICES = `
  DELETE FROM ruvector.notifications
   WHERE (notice_key, target) IN (${dueNotices('$1::timestamptz')} LIMIT $2::int)`;

const DELETE_COMMANDS = `
  DELETE FROM ruvector.healing_commands
   WHERE id IN (${dueCommands('$1::timestamptz')} ORDER BY c.id LIMIT $2::int)`;

const DELETE_RESETS = `DELETE FROM ruvector.weight_resets WHERE id = ANY($1::bigint[])`;

const DELETE_HISTORY_ROWS = `
  DELETE FROM ruvector.strategy_weight_history
   WHERE (update_id, problem_class, strategy_name) IN (
     SELECT update_id, problem_class, strategy_name FROM ruvector.strategy_weight_history
      WHERE update_id = ANY($1::bigint[]) LIMIT $2::int)`;

const DELETE_UPDATES = `
  DELETE FROM ruvector.weight_updates u
   WHERE u.id = ANY($1::bigint[])
     AND NOT EXISTS (SELECT 1 FROM ruvector.strategy_weights w WHERE w.update_id = u.id)
     AND NOT EXISTS (SELECT 1 FROM ruvector.weight_resets r WHERE r.update_id = u.id)`;

/**
 * Due attempts as groups deleted together (a rollback with the change it undid). At the read's limit the last
 * group may lack its partner, which the next read brings: it waits for that read.
 */
function pairUp(rows: readonly { id: number; partner: number | null }[], atLimit: boolean): number[][] {
  const ids = new Set(rows.map((r) => r.id));
  const groups = new Map<number, number[]>();
  for (const r of rows) {
    const key = Math.min(r.id, r.partner ?? r.id);
    groups.set(key, [...(groups.get(key) ?? []), r.id]);
  }
  const out = [...groups.values()];
  const last = rows[rows.length - 1];
  if (atLimit && last && last.partner !== null && !ids.has(last.partner)) out.pop();
  return out;
}

/** Groups packed into statements of about `size` ids; a group is never split. */
function packed(groups: readonly number[][], size: number): number[][] {
  const out: number[][] = [];
  let cur: number[] = [];
  for (const g of groups) {
    if (cur.length > 0 && cur.length + g.length > size) {
      out.push(cur);
      cur = [];
    }
    cur.push(...g);
  }
  if (cur.length) out.push(cur);
  return out;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
