import type { Pool } from './pool';

export interface AttemptStats {
  last_healing: string | null;
  total_healings_24h: number;
  completed_24h: number;
  verified_24h: number;
}

/** The seed's ruvector_healing_status figures for one collection, from the attempt records. */
export async function attemptStats(pool: Pool, collectionId: number): Promise<AttemptStats> {
  const { rows } = await pool.query<AttemptStats>(
    `SELECT to_char(max(a.completed_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_healing,
            count(*) FILTER (WHERE a.started_at > now() - interval '24 hours')::int AS total_healings_24h,
            count(o.id) FILTER (WHERE a.started_at > now() - interval '24 hours')::int AS completed_24h,
            count(o.id) FILTER (WHERE a.started_at > now() - interval '24 hours' AND o.success AND o.verified)::int AS verified_24h
       FROM ruvector.healing_attempts a LEFT JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id
      WHERE a.collection_id = $1`,
    [collectionId],
  );
  return rows[0]!;
}
