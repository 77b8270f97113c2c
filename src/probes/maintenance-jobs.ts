import type { MaintenanceJob } from '../sensor/collection-stats';
import type { Queryable } from './queryable';

/**
 * Maintenance running on the table or its indexes (PostgreSQL's progress views), how long each has
 * run, and how many sessions wait on a lock it holds.
 */
export async function readMaintenanceJobs(db: Queryable, tableOid: number): Promise<MaintenanceJob[]> {
  const { rows } = await db.query<MaintenanceJob>(
    `WITH jobs AS (
        SELECT pid, datname, 'vacuum' AS job_type, phase, relid FROM pg_stat_progress_vacuum
        UNION ALL SELECT pid, datname, 'analyze', phase, relid FROM pg_stat_progress_analyze
        UNION ALL SELECT pid, datname, 'create_index', phase, relid FROM pg_stat_progress_create_index
        UNION ALL SELECT pid, datname, 'cluster', phase, relid FROM pg_stat_progress_cluster
     )
     SELECT j.pid,
            CASE WHEN a.backend_type = 'autovacuum worker' THEN 'autovacuum' ELSE j.job_type END AS job_type,
            j.phase,
            greatest(0, extract(epoch FROM now() - coalesce(a.xact_start, a.query_start,
              now())))::float8 AS running_seconds,
            a.backend_type = 'autovacuum worker' AS is_autovacuum,
            (SELECT count(*) FROM pg_stat_activity w WHERE j.pid = ANY (pg_blocking_pids(w.pid)))::int AS blocking
       FROM jobs j JOIN pg_stat_activity a ON a.pid = j.pid
      -- The progress views show every database, and an OID names a relation only within one.
      WHERE j.datname = current_database() AND j.relid = $1 AND j.pid <> pg_backend_pid()
      ORDER BY j.pid`,
    [tableOid],
  );
  return rows;
}
