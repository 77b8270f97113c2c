import type { Queryable } from './queryable';

export interface StandbyStats {
  /** The walsender's pid: the replica id ReplicationLag names. */
  pid: number;
  application_name: string;
  /** The physical slot it streams from (pg_replication_slots.active_pid), null without one. */
  slot_name: string | null;
  state: string;
  /** Bytes of WAL the standby has not replayed yet: a byte gap, since replay_lag trails reality. */
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
    `SELECT r.pid, coalesce(r.application_name, '') AS application_name, s.slot_name::text AS slot_name,
       coalesce(r.state, '') AS state,
            coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn), 0)::float8 AS replay_gap_bytes,
            extract(epoch FROM r.replay_lag)::float8 AS replay_lag_seconds
       FROM pg_stat_replication r LEFT JOIN pg_replication_slots s ON s.active_pid = r.pid
      WHERE NOT pg_is_in_recovery() ORDER BY r.application_name, r.pid`,
  );
  return rows;
}
