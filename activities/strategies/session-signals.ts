import type { Queryable } from '../../src/probes/queryable';
import type { Check } from './sandbox-checks';

/** A session as the plan saw it: the start time tells a reused pid from the session meant. */
export interface SessionRef {
  pid: number;
  backend_start: string;
}

export type Signal = 'cancel' | 'terminate';

/**
 * Cancels the running statement of, or terminates, exactly the session the plan named, and never a
 * superuser's. The signal is in the select list, so it runs only on the row that passed every filter.
 * Returns whether the signal was sent.
 */
export async function signalSession(
  db: Queryable,
  s: SessionRef,
  signal: Signal,
  terminateTimeoutMs = 5000,
): Promise<boolean> {
  const call = signal === 'cancel' ? 'pg_cancel_backend(a.pid)' : 'pg_terminate_backend(a.pid, $3)';
  const params: unknown[] = [s.pid, s.backend_start];
  if (signal === 'terminate') params.push(terminateTimeoutMs);
  const { rows } = await db.query<{ sent: boolean }>(
    `SELECT ${call} AS sent
       FROM pg_stat_activity a JOIN pg_roles r ON r.oid = a.usesysid
      WHERE a.pid = $1 AND a.backend_start = $2::timestamptz AND NOT r.rolsuper AND a.pid <> pg_backend_pid()`,
    params,
  );
  return rows[0]?.sent === true;
}

/** backend_start of live sessions, for the plan to name them exactly. */
export type LiveSession = SessionRef & { superuser: boolean; state: string; user_name: string };

export async function sessionRefs(db: Queryable, pids: number[]): Promise<LiveSession[]> {
  if (pids.length === 0) return [];
  const { rows } = await db.query<LiveSession>(
    `SELECT a.pid, a.backend_start::text AS backend_start, coalesce(r.rolsuper, false) AS superuser,
            coalesce(a.state, '') AS state, coalesce(a.usename::text, '') AS user_name
       FROM pg_stat_activity a LEFT JOIN pg_roles r ON r.oid = a.usesysid WHERE a.pid = ANY ($1::int[]) ORDER BY a.pid`,
    [pids],
  );
  return rows;
}

/** Is the session still there (same pid, same start)? */
export async function sessionAlive(db: Queryable, s: SessionRef): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND backend_start = $2::timestamptz', [
    s.pid,
    s.backend_start,
  ]);
  return rows.length > 0;
}

/** Signalling other roles' sessions needs superuser or pg_signal_backend; say which is missing. */
export async function checkCanSignal(db: Queryable): Promise<Check> {
  const { rows } = await db.query<{ su: boolean; member: boolean }>(
    `SELECT r.rolsuper AS su, pg_has_role(current_user, 'pg_signal_backend', 'MEMBER') AS member FROM pg_roles r
      WHERE r.rolname = current_user`,
  );
  const r = rows[0];
  const ok = r ? r.su || r.member : false;
  return {
    name: 'can_signal_backends',
    passed: ok,
    detail: ok
      ? r!.su
        ? 'superuser (superuser sessions are never signalled)'
        : 'member of pg_signal_backend'
      : 'the controller role needs pg_signal_backend to cancel or terminate sessions: ' +
        'GRANT pg_signal_backend TO <controller role>',
  };
}
