import type { Pool } from './pool';

export interface AttemptStats {
  last_healing: string | null;
  total_healings_24h: number;
  completed_24h: number;
  verified_24h: number;
}

/**
 * The ruvector_healing_status figures of many collections in one statement, with the attempt still running on each,
 * if any.
 */
export async function attemptStatsOf(
  pool: Pool,
  collectionIds: readonly number[],
): Promise<Map<number, AttemptStats & { running_workflow_id: string | null }>> {
  const { rows } = await pool.query<AttemptStats & { collection_id: number; running_workflow_id: string | null }>(
    `SELECT a.collection_id,
            to_char(max(a.completed_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_healing,
            count(*) FILTER (WHERE a.started_at > now() - interval '24 hours')::int AS total_healings_24h,
            count(o.id) FILTER (WHERE a.started_at > now() - interval '24 hours')::int AS completed_24h,
            count(o.id) FILTER (WHERE a.started_at > now() - interval '24 hours' AND o.success
              AND o.verified)::int AS verified_24h,
            max(a.workflow_id) FILTER (WHERE a.status = 'running') AS running_workflow_id
       FROM ruvector.healing_attempts a LEFT JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id
      WHERE a.collection_id = ANY($1::int[]) GROUP BY a.collection_id`,
    [collectionIds],
  );
  type Row = AttemptStats & { running_workflow_id: string | null };
  const empty: Row = {
    last_healing: null,
    total_healings_24h: 0,
    completed_24h: 0,
    verified_24h: 0,
    running_workflow_id: null,
  };
  const out = new Map<number, Row>(collectionIds.map((id) => [id, { ...empty }]));
  for (const { collection_id, ...r } of rows) out.set(collection_id, r);
  return out;
}
