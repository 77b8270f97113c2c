import { healingConfigSchema, withKnownStrategiesOnly, type HealingConfig } from '../domain/healing-config';
import type { Queryable } from '../postgres/queryable';
import { METRICS_WINDOW_HOURS } from './metric-definitions';

/** What the store says of one watched collection, for the metrics. */
export interface CollectionReading {
  id: number;
  name: string;
  config: HealingConfig;
  /** Unix seconds of the sensor's last reading written for it (its own bookkeeping), or null. */
  last_sample_at: number | null;
  /** In the window: attempts that ran a strategy, those that healed, mean improvement, mean time to recovery. */
  ran: number;
  healed: number;
  avg_improvement: number | null;
  recovery_seconds: number | null;
  /** Duration quantiles in the window per strategy: [q0.5, q0.9, q0.99] in seconds. */
  durations: Map<string, [number, number, number]>;
  /** How the last attempt that ended ended (dry runs and rollbacks aside). */
  last_end: { status: string; reason: string | null } | null;
  /** The attempt whose row says it runs, if any. */
  running: { id: number; workflow_id: string; run_id: string; started_at: number } | null;
}

// Healed as the history views count it: completed, and its strategy succeeded and was verified.
const HEALED = `(a.status = 'Completed' AND o.success AND o.verified IS TRUE)`;

/**
 * Every watched collection's figures in one statement, whatever their number: each per-collection part
 * reads the attempts through their (collection_id, started_at) index, over the window only.
 */
const READINGS_SQL = `
SELECT c.id, c.name,
       (SELECT config FROM ruvector.healing_config WHERE scope = '*') AS star_config,
       hc.config AS own_config,
       (SELECT extract(epoch FROM max(w.latest_at))::float8 FROM ruvector.counter_windows w
         WHERE w.collection_id = c.id) AS last_sample_at,
       s.ran, s.healed, s.avg_improvement, s.recovery_seconds, d.durations,
       l.status AS last_status, l.reason AS last_reason,
       r.id AS running_id, r.workflow_id AS running_workflow_id, r.run_id AS running_run_id,
       extract(epoch FROM r.started_at)::float8 AS running_started_at
  FROM ruvector.collections c
  LEFT JOIN ruvector.healing_config hc ON hc.scope = c.name
  LEFT JOIN LATERAL (
    SELECT count(o.id)::int AS ran,
           count(*) FILTER (WHERE ${HEALED})::int AS healed,
           avg(o.improvement_pct)::float8 AS avg_improvement,
           avg(extract(epoch FROM o.completed_at - coalesce(a.detected_at, a.started_at)))
             FILTER (WHERE ${HEALED})::float8 AS recovery_seconds
      FROM ruvector.healing_attempts a JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id
     WHERE a.collection_id = c.id AND a.started_at > now() - make_interval(hours => $1)
  ) s ON true
  LEFT JOIN LATERAL (
    SELECT json_agg(json_build_array(q.strategy, q.p[1], q.p[2], q.p[3])) AS durations
      FROM (SELECT o.strategy_name AS strategy,
                   percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY (o.duration_ms / 1000.0)::float8) AS p
              FROM ruvector.healing_attempts a JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id
             WHERE a.collection_id = c.id AND a.started_at > now() - make_interval(hours => $1)
               AND o.duration_ms IS NOT NULL
             GROUP BY o.strategy_name) q
  ) d ON true
  LEFT JOIN LATERAL (
    SELECT a.status, a.reason FROM ruvector.healing_attempts a
     WHERE a.collection_id = c.id AND a.status NOT IN ('running', 'DryRun', 'RolledBack')
       -- A refused rollback ends 'Deferred': it says nothing of how the fault was last handled.
       AND a.trigger NOT LIKE 'rollback by %'
     ORDER BY a.started_at DESC, a.id DESC LIMIT 1
  ) l ON true
  LEFT JOIN LATERAL (
    SELECT a.id, a.workflow_id, a.run_id, a.started_at FROM ruvector.healing_attempts a
     WHERE a.collection_id = c.id AND a.status = 'running'
     ORDER BY a.started_at DESC, a.id DESC LIMIT 1
  ) r ON true
 WHERE c.unwatched_at IS NULL
 ORDER BY c.name`;

interface Row {
  id: number;
  name: string;
  star_config: Record<string, unknown> | null;
  own_config: Record<string, unknown> | null;
  last_sample_at: number | null;
  ran: number | null;
  healed: number | null;
  avg_improvement: number | null;
  recovery_seconds: number | null;
  durations: [string, number, number, number][] | null;
  last_status: string | null;
  last_reason: string | null;
  running_id: number | null;
  running_workflow_id: string | null;
  running_run_id: string | null;
  running_started_at: number | null;
}

/** The stored configuration as the guardian reads it: defaults, then '*', then the collection's own. */
function configOf(star: Record<string, unknown> | null, own: Record<string, unknown> | null): HealingConfig {
  const parsed = healingConfigSchema.safeParse(withKnownStrategiesOnly({ ...(star ?? {}), ...(own ?? {}) }));
  // A stored row this version cannot read is the guardian's to report; the metrics keep the defaults.
  return parsed.success ? parsed.data : healingConfigSchema.parse({});
}

export async function readCollections(db: Queryable): Promise<CollectionReading[]> {
  const { rows } = await db.query<Row>(READINGS_SQL, [METRICS_WINDOW_HOURS]);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    config: configOf(r.star_config, r.own_config),
    last_sample_at: r.last_sample_at,
    ran: r.ran ?? 0,
    healed: r.healed ?? 0,
    avg_improvement: r.avg_improvement,
    recovery_seconds: r.recovery_seconds,
    durations: new Map((r.durations ?? []).map(([s, a, b, c]) => [s, [a, b, c]])),
    last_end: r.last_status === null ? null : { status: r.last_status, reason: r.last_reason },
    running:
      r.running_id === null
        ? null
        : {
            id: r.running_id,
            workflow_id: r.running_workflow_id!,
            run_id: r.running_run_id!,
            started_at: r.running_started_at!,
          },
  }));
}
