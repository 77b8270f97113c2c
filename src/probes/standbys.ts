import type { Queryable } from './queryable';

export interface StandbyStats {
  /** The walsender's pid: the seed's replica id. */
  pid: number;
  application_name: string;
  state: string;
  /** Bytes of WAL the standby has not replayed yet (postgres-notes: byte gaps, not replay_lag). */
  replay_gap_bytes: number;
  /** replay_lag as the primary last heard it; trails reality, null when idle. */
  replay_lag_seconds: number | null;
}

/**
 * Streaming standbys of this primary, from pg_stat_replication (the LSN columns need
 * pg_read_all_stats; without it they are NULL and the gap reads 0). Empty on a standby.
 */
export async function readStandbys(db: Queryable): Promise<StandbyStats[]> {
  const { rows } = await db.query<StandbyStats>(
    `SELECT pid, coalesce(application_name, '') AS application_name, coalesce(state, '') AS state,
            coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0)::float8 AS replay_gap_bytes,
            extract(epoch FROM replay_lag)::float8 AS replay_lag_seconds
       FROM pg_stat_replication WHERE NOT pg_is_in_recovery() ORDER BY application_name, pid`,
  );
  return rows;
}
