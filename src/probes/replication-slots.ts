import type { Queryable } from './queryable';

export interface SlotStats {
  slot_name: string;
  slot_type: string;
  active: boolean;
  /** WAL kept on disk for the slot: current LSN − restart_lsn (0 once the slot is lost). */
  retained_bytes: number;
  /** reserved, extended, unreserved or lost. */
  wal_status: string | null;
}

/**
 * Replication slots of the server and the WAL each one holds back: an inactive slot keeps its WAL from being recycled.
 */
export async function readReplicationSlots(db: Queryable): Promise<SlotStats[]> {
  const { rows } = await db.query<SlotStats>(
    `SELECT slot_name::text, slot_type, active,
            coalesce(pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn()
            ELSE pg_current_wal_lsn() END, restart_lsn), 0)::float8 AS retained_bytes,
            wal_status
       FROM pg_replication_slots ORDER BY 4 DESC, 1`,
  );
  return rows;
}
