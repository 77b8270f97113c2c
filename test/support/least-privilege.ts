import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client as PgClient } from 'pg';
import { createPool, type Pool } from '../../src/postgres/pool';

const ROOT = resolve(__dirname, '..', '..');
const ROLE_SCRIPT = resolve(ROOT, 'deploy', 'sql', 'selfheal-role.sql');

/** The role selfheal runs as in the tests, made by deploy/sql/selfheal-role.sql, and the owner of the users' tables. */
export const SELFHEAL_ROLE = 'selfheal_app';
export const APP_OWNER_ROLE = 'app_owner';
const SELFHEAL_PASSWORD = 'selfheal-test';
// Roles and their memberships are cluster-wide: one test file at a time changes them.
const ROLE_SETUP_LOCK = 726_451_101;

function psqlBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v psql'], { encoding: 'utf8' }).stdout.trim();
  if (found) return found;
  const debian = '/usr/lib/postgresql/15/bin/psql';
  if (existsSync(debian)) return debian;
  throw new Error(
    'psql is not installed: the least-privilege tests run deploy/sql/selfheal-role.sql with it ' +
      '(apt-get install postgresql-client)',
  );
}

export function withRole(url: string, role: string, password: string): string {
  const u = new URL(url);
  u.username = role;
  u.password = password;
  return u.toString();
}

export interface LeastPrivilege {
  /** The database as selfheal's role sees it: what the worker uses. */
  url: string;
  pool: Pool;
}

/**
 * Prepares a database as an operator would: deploy/sql/selfheal-role.sql run by psql as a
 * superuser, and the users' tables owned by an application role that selfheal is a member of
 * (ownership is what ALTER TABLE … SET and index rebuilds need). Tables the tests create as the
 * superuser are handed to that owner by an event trigger, as if the application had made them.
 */
export async function leastPrivilegeDatabase(
  adminUrl: string,
  opts: { slotLevers?: boolean; poolSize?: number } = {},
): Promise<LeastPrivilege> {
  const admin = new PgClient({ connectionString: adminUrl });
  await admin.connect();
  // Advisory locks belong to one database: the cluster-wide lock is taken in the maintenance database.
  const lockUrl = new URL(adminUrl);
  lockUrl.pathname = '/postgres';
  const lock = new PgClient({ connectionString: lockUrl.toString() });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [ROLE_SETUP_LOCK]);
    await admin.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_OWNER_ROLE}') THEN
        CREATE ROLE ${APP_OWNER_ROLE} NOLOGIN;
      END IF;
    END $$`);
    const r = spawnSync(
      psqlBinary(),
      [
        '--no-psqlrc',
        '--quiet',
        '-d',
        adminUrl,
        '-v',
        `role=${SELFHEAL_ROLE}`,
        '-v',
        `password='${SELFHEAL_PASSWORD}'`,
        '-v',
        'role_levers=on',
        '-v',
        `slot_levers=${opts.slotLevers ? 'on' : 'off'}`,
        '-f',
        ROLE_SCRIPT,
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0)
      throw new Error(`deploy/sql/selfheal-role.sql failed (exit ${r.status}): ${r.stderr || r.stdout}`);
    await admin.query(`GRANT ${APP_OWNER_ROLE} TO ${SELFHEAL_ROLE}`);
    await admin.query(`GRANT CREATE, USAGE ON SCHEMA public TO ${APP_OWNER_ROLE}`);
    await admin.query(`CREATE OR REPLACE FUNCTION public.hand_tables_to_app_owner() RETURNS event_trigger
      LANGUAGE plpgsql AS $$
      DECLARE r record;
      BEGIN
        -- Only what the tests make as the superuser: selfheal's own tables (store, scratch sandboxes) stay its own.
        IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN RETURN; END IF;
        FOR r IN SELECT objid FROM pg_event_trigger_ddl_commands()
                  WHERE object_type IN ('table', 'table column')
                    AND command_tag IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO')
        LOOP
          IF (SELECT relowner FROM pg_class WHERE oid = r.objid) <> '${APP_OWNER_ROLE}'::regrole THEN
            EXECUTE format('ALTER TABLE %s OWNER TO ${APP_OWNER_ROLE}', r.objid::regclass);
          END IF;
        END LOOP;
      END $$`);
    await admin.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'hand_tables_to_app_owner') THEN
        CREATE EVENT TRIGGER hand_tables_to_app_owner ON ddl_command_end
          WHEN TAG IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO')
          EXECUTE FUNCTION public.hand_tables_to_app_owner();
      END IF;
    END $$`);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [ROLE_SETUP_LOCK]).catch(() => undefined);
    await lock.end();
    await admin.end();
  }
  const url = withRole(adminUrl, SELFHEAL_ROLE, SELFHEAL_PASSWORD);
  return { url, pool: createPool(url, opts.poolSize ?? 10) };
}

/** A standby's URL as selfheal's role (the role replicates from the primary). */
export function standbyAsSelfheal(standbyUrl: string): string {
  return withRole(standbyUrl, SELFHEAL_ROLE, SELFHEAL_PASSWORD);
}

/**
 * What an operator grants for the role levers on PostgreSQL 16 and later: ADMIN OPTION on a role
 * selfheal may change (its settings, its connection limit), without that role's privileges.
 * The role is created when missing, as the drills would create it.
 */
export async function grantRoleLevers(adminPool: Pool, role: string): Promise<void> {
  const r = role.replace(/"/g, '""');
  await adminPool.query(
    `DO $$ BEGIN CREATE ROLE "${r}" LOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`,
  );
  const v = Number(
    (await adminPool.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]!.v,
  );
  await adminPool.query(
    `GRANT "${r}" TO ${SELFHEAL_ROLE} WITH ADMIN OPTION${v >= 160000 ? ', INHERIT FALSE, SET FALSE' : ''}`,
  );
}
