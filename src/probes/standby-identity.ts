import type { Queryable } from './queryable';
import type { StandbyStats } from './standbys';

/** What a standby says of itself, from its own connection. */
export interface StandbySelf {
  in_recovery: boolean;
  pause_state: string;
  cluster_name: string;
  /** From pg_stat_wal_receiver: the slot it streams from, and its conninfo (password masked). */
  slot_name: string | null;
  conninfo: string | null;
}

export async function readStandbySelf(standby: Queryable): Promise<StandbySelf> {
  const { rows } = await standby.query<StandbySelf>(
    `SELECT pg_is_in_recovery() AS in_recovery,
            CASE WHEN pg_is_in_recovery() THEN pg_get_wal_replay_pause_state()
            ELSE 'not in recovery' END AS pause_state,
            current_setting('cluster_name') AS cluster_name,
            (SELECT slot_name::text FROM pg_stat_wal_receiver) AS slot_name,
            (SELECT conninfo FROM pg_stat_wal_receiver) AS conninfo`,
  );
  return rows[0]!;
}

/**
 * The name the primary shows for this standby in pg_stat_replication. The slot is the sure link
 * (pg_replication_slots.active_pid is the walsender's pid); without one, the walreceiver's
 * application_name is what it connected with: the conninfo's, else cluster_name, else 'walreceiver'.
 */
export function standbyNameOnPrimary(self: StandbySelf, primaryView: readonly StandbyStats[]): string {
  if (self.slot_name) {
    const bySlot = primaryView.find((r) => r.slot_name === self.slot_name);
    if (bySlot) return bySlot.application_name;
  }
  const fromConninfo = /(?:^|\s)application_name=('(?:[^'\\]|\\.)*'|\S+)/.exec(self.conninfo ?? '')?.[1];
  if (fromConninfo)
    return fromConninfo.startsWith("'") ? fromConninfo.slice(1, -1).replace(/\\(.)/g, '$1') : fromConninfo;
  return self.cluster_name || 'walreceiver';
}
