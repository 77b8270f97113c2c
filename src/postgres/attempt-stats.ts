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
    // Each figure reads its own window through an index (migration 18), never the whole history.
    `SELECT c.id AS collection_id,
            to_char((SELECT max(a.completed_at) FROM ruvector.healing_attempts a
                      WHERE a.collection_id = c.id AND a.completed_at IS NOT NULL) AT TIME ZONE 'UTC',
                    'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_healing,
            day.total AS total_healings_24h, day.completed AS completed_24h, day.verified AS verified_24h,
            (SELECT max(a.workflow_id) FROM ruvector.healing_attempts a
              WHERE a.collection_id = c.id AND a.status = 'running') AS running_workflow_id
       FROM unnest($1::int[]) AS c(id)
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS total, count(a.outcome_id)::int AS completed,
                -- The outcome by key, for the attempts that have one: a join would read the whole outcome table.
                count(*) FILTER (WHERE a.outcome_id IS NOT NULL AND (SELECT o.success AND o.verified
                  FROM ruvector.healing_outcomes o WHERE o.id = a.outcome_id))::int AS verified
           FROM ruvector.healing_attempts a
          WHERE a.collection_id = c.id AND a.started_at > now() - interval '24 hours') day`,
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
