import type { Queryable } from '../postgres/queryable';

/** The counters of one (collection, strategy): what the _total counters and the duration's sum and count show. */
export interface PairCounts {
  attempts: number;
  successes: number;
  duration_sum: number;
  duration_count: number;
}

/** Attempt rows with a larger id, or still running when last seen: the only ones that can have ended since. */
const CHANGED_SQL = `
SELECT a.id, a.status, c.name AS collection,
       -- The strategy that ran: one chosen but stopped before it acted (a failed check, a rejection) is not
       -- its attempt, and would lower its success rate.
       CASE WHEN a.outcome_id IS NULL THEN 'none' ELSE coalesce(a.strategy_name, 'none') END AS strategy,
       coalesce(a.status = 'Completed' AND o.success AND o.verified IS TRUE, false) AS healed,
       o.duration_ms::float8 AS duration_ms,
       a.started_at < now() - make_interval(secs => $3) AS settled,
       a.trigger LIKE 'rollback by %' AS rollback
  FROM ruvector.healing_attempts a
  JOIN ruvector.collections c ON c.id = a.collection_id
  LEFT JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id
 WHERE a.id > $1 OR a.id = ANY ($2::int8[])`;

/**
 * Not healing attempts: a person's dry run changes nothing, a rollback undoes an earlier change. A
 * rollback is known by its trigger, not its status: one that is refused ends 'Deferred' (workflows/rollback-attempt).
 */
const NOT_COUNTED = new Set(['DryRun', 'RolledBack']);

/**
 * An attempt's row is inserted once and takes its final id then, in a statement that commits at once;
 * a row whose insert began this long ago is visible if it ever will be, so ids below it are all known.
 */
const SETTLE_SECONDS = 60;

/**
 * Counters of ended attempts that never fall. Counting rows in the store would (the retention
 * Schedule deletes attempts past history_retention_days), so each ended attempt is counted once,
 * when this tracker first sees it ended, and kept in memory: the counters start at 0 when a worker
 * begins exporting (a counter reset to Prometheus, which rate() and increase() absorb) and only rise.
 * Attempts that had ended before that are not counted, but their (collection, strategy) pairs start at
 * 0, so the first new one shows as an increase.
 *
 * Each refresh reads the rows above the highest settled id seen and the rows seen running: by the
 * primary key, a handful of rows, never the whole history after the first read.
 */
export class AttemptCounters {
  private readonly pairs = new Map<string, PairCounts & { collection: string; strategy: string }>();
  /** Every id at or below it was seen (and counted, or is in `running`). */
  private settledId = 0;
  /** Seen running; counted when they end. */
  private readonly running = new Set<number>();
  /** Seen ended above settledId: not counted twice. */
  private readonly counted = new Set<number>();
  private started = false;

  async refresh(db: Queryable, collections: readonly string[]): Promise<void> {
    const { rows } = await db.query<{
      id: number;
      status: string;
      collection: string;
      strategy: string;
      healed: boolean;
      duration_ms: number | null;
      settled: boolean;
      rollback: boolean;
    }>(CHANGED_SQL, [this.settledId, [...this.running], SETTLE_SECONDS]);
    const first = !this.started;
    this.started = true;
    const seenRunning = new Set<number>();
    let settled = this.settledId;
    for (const r of rows) {
      if (r.settled && r.id > settled) settled = r.id;
      if (r.rollback) {
        // Never counted, however it ends: no need to read it again while it runs.
        this.counted.add(r.id);
        continue;
      }
      if (r.status === 'running') {
        seenRunning.add(r.id);
        continue;
      }
      if (this.counted.has(r.id) || NOT_COUNTED.has(r.status)) {
        this.counted.add(r.id);
        continue;
      }
      this.counted.add(r.id);
      const p = this.pair(r.collection, r.strategy);
      // What ended before this worker began exporting only names the pair.
      if (first) continue;
      p.attempts += 1;
      if (r.healed) p.successes += 1;
      if (r.duration_ms !== null) {
        p.duration_sum += r.duration_ms / 1000;
        p.duration_count += 1;
      }
    }
    // A running row not returned was deleted (a store restored from a backup): nothing to count.
    this.running.clear();
    for (const id of seenRunning) this.running.add(id);
    this.settledId = settled;
    for (const id of this.counted) if (id <= settled) this.counted.delete(id);
    // Every watched collection has a series from the start, whatever its history.
    for (const c of collections) this.pair(c, 'none');
  }

  private pair(collection: string, strategy: string): PairCounts {
    const key = `${collection}\u0000${strategy}`;
    let p = this.pairs.get(key);
    if (!p) {
      p = { collection, strategy, attempts: 0, successes: 0, duration_sum: 0, duration_count: 0 };
      this.pairs.set(key, p);
    }
    return p;
  }

  /** Every pair seen, watched or not: an unwatched collection's series stop when the caller leaves them out. */
  snapshot(): (PairCounts & { collection: string; strategy: string })[] {
    return [...this.pairs.values()].map((p) => ({ ...p }));
  }
}
