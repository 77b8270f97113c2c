-- The role selfheal runs as: least privilege, each right with what it is for. Run it once per
-- watched database as a superuser (or the database owner where noted):
--
--   psql "$ADMIN_URL" -v role=selfheal -v password="'…'" -v role_levers=on -f deploy/sql/selfheal-role.sql
--
-- role_levers=off leaves out CREATEROLE: the role levers (tune_work_mem, set_role_timeouts,
-- limit_role_connections, throttle_ingestion) then fail their sandbox and go to a person.
-- slot_levers=on adds REPLICATION, which drop_replication_slot needs (off by default: it is also
-- the right to stream the whole database).
-- Index rebuilds (rebuild_invalid_index) and reloptions (pause_maintenance) need the table's
-- ownership: make the role a member of the role that owns the tables (GRANT app_owner TO selfheal).
-- The README (Least privilege) lists what each right enables and what is lost without it.
\set ON_ERROR_STOP on
\if :{?role}
\else
  \set role selfheal
\endif
\if :{?role_levers}
\else
  \set role_levers on
\endif
\if :{?slot_levers}
\else
  \set slot_levers off
\endif

SELECT format('CREATE ROLE %I LOGIN', :'role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
\if :{?password}
  ALTER ROLE :"role" PASSWORD :password;
\endif

-- Reads every statistics view, other sessions' queries, and pgstatindex (pg_stat_scan_tables).
GRANT pg_monitor TO :"role";
-- Cancels or terminates the sessions that block or run away (never a superuser's).
GRANT pg_signal_backend TO :"role";
-- Its store (schema ruvector) and the scratch schemas of the complete sandbox.
GRANT CREATE ON DATABASE :"DBNAME" TO :"role";
-- Extensions the sensor reads with; creating them needs a superuser, once.
CREATE EXTENSION IF NOT EXISTS pgstattuple;
CREATE SCHEMA IF NOT EXISTS ruvector AUTHORIZATION :"role";
ALTER SCHEMA ruvector OWNER TO :"role";
-- A store a superuser migrated before: its tables (and their sequences) become the role's.
SELECT format('ALTER TABLE ruvector.%I OWNER TO %I', relname, :'role')
  FROM pg_class WHERE relnamespace = 'ruvector'::regnamespace AND relkind IN ('r', 'p') \gexec

-- VACUUM, ANALYZE and REINDEX on every table (PostgreSQL 17: pg_maintain; before 17 these need
-- ownership of the table, so make the role a member of the owning role instead).
SELECT format('GRANT pg_maintain TO %I', :'role') WHERE current_setting('server_version_num')::int >= 170000 \gexec

-- The role levers change other roles' settings and connection limits: CREATEROLE, and since
-- PostgreSQL 16 ADMIN OPTION on each role they may change, given without its privileges:
--   GRANT app TO selfheal WITH ADMIN OPTION, INHERIT FALSE, SET FALSE;
\if :role_levers
  ALTER ROLE :"role" CREATEROLE;
\endif

-- The slot lever: cap_slot_wal sets max_slot_wal_keep_size, reloads and checkpoints.
SELECT format('GRANT ALTER SYSTEM ON PARAMETER max_slot_wal_keep_size TO %I', :'role') WHERE current_setting('server_version_num')::int >= 150000 \gexec
GRANT EXECUTE ON FUNCTION pg_reload_conf() TO :"role";
-- …and reads postgresql.auto.conf's value, to restore it exactly on rollback.
GRANT SELECT ON pg_file_settings TO :"role";
GRANT EXECUTE ON FUNCTION pg_show_all_file_settings() TO :"role";
SELECT format('GRANT pg_checkpoint TO %I', :'role') WHERE current_setting('server_version_num')::int >= 150000 \gexec
\if :slot_levers
  ALTER ROLE :"role" REPLICATION;
\endif

-- A standby's paused replay is resumed (resume_wal_replay); the grant replicates to the standbys.
GRANT EXECUTE ON FUNCTION pg_wal_replay_resume() TO :"role";
