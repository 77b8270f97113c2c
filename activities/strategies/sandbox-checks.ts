import type { Queryable } from '../../src/probes/queryable';
import type { SandboxResult } from '../../src/strategies/strategy';

export type Check = SandboxResult['checks'][number];

/** May the current role alter the table (owner, member of the owning role, or superuser)? */
export async function checkCanAlterTable(db: Queryable, tableOid: number): Promise<Check> {
  const { rows } = await db.query<{ ok: boolean; owner: string }>(
    `SELECT pg_has_role(current_user, c.relowner, 'USAGE') OR r.rolsuper AS ok, pg_get_userbyid(c.relowner) AS owner
       FROM pg_class c, pg_roles r WHERE c.oid = $1 AND r.rolname = current_user`,
    [tableOid],
  );
  const r = rows[0];
  return r
    ? {
        name: 'can_alter_table',
        passed: r.ok,
        detail: r.ok ? `current role may alter it (owner ${r.owner})` : `needs the rights of ${r.owner}`,
      }
    : { name: 'can_alter_table', passed: false, detail: 'table no longer exists' };
}

export async function isSuperuser(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ s: boolean }>('SELECT rolsuper AS s FROM pg_roles WHERE rolname = current_user');
  return rows[0]?.s === true;
}

export function sandboxResult(level: SandboxResult['level'], checks: Check[], startedMs: number): SandboxResult {
  return { passed: checks.every((c) => c.passed), level, checks, duration_ms: Date.now() - startedMs };
}

/** Snapshots older than this stall CREATE/REINDEX … CONCURRENTLY in "waiting for old snapshots". */
const OLD_SNAPSHOT_SECONDS = 60;

/** Would a concurrent index build wait on an old transaction of this database? */
export async function checkNoOldSnapshots(db: Queryable): Promise<Check> {
  const { rows } = await db.query<{ pid: number; state: string; age_s: number }>(
    `SELECT pid, state, extract(epoch FROM now() - xact_start)::float8 AS age_s
       FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL
        AND xact_start < now() - make_interval(secs => $1)`,
    [OLD_SNAPSHOT_SECONDS],
  );
  return {
    name: 'no_old_snapshots',
    passed: rows.length === 0,
    detail:
      rows.length === 0
        ? `no transaction older than ${OLD_SNAPSHOT_SECONDS} s holds a snapshot`
        : `a concurrent index build would wait for: ` +
          `${rows.map((r) => `pid ${r.pid} (${r.state}, ${Math.round(r.age_s)} s)`).join(', ')}`,
  };
}
