import type { Pool } from './pool';
import { withTransaction } from './pool';
import * as m001 from './migrations/001-outcome-store';
import * as m002 from './migrations/002-collections-and-attempts';
import * as m003 from './migrations/003-statistics-extensions';
import * as m004 from './migrations/004-approval-abort-rollback';
import * as m005 from './migrations/005-partition-load-and-placement';
import * as m006 from './migrations/006-sensor-counters';
import * as m007 from './migrations/007-attempt-detected-at';
import * as m008 from './migrations/008-counter-windows';
import * as m009 from './migrations/009-condition-since';
import * as m010 from './migrations/010-failed-attempts';
import * as m011 from './migrations/011-watching';
import * as m012 from './migrations/012-index-density-cache';
import * as m013 from './migrations/013-learned-weights';
import * as m014 from './migrations/014-retention-indexes';
import * as m017 from './migrations/017-notifications';
import * as m018 from './migrations/018-bounded-status';
import * as m015 from './migrations/015-sql-interface';
import * as m016 from './migrations/016-audit-log';
import { syncSqlCatalog } from './sql-catalog';

/** Ordered: a migration's number is its place; never edit one that has shipped, add the next. */
export const MIGRATIONS: readonly { id: number; name: string; sql: string }[] = [
  { id: 1, name: 'outcome-store', sql: m001.sql },
  { id: 2, name: 'collections-and-attempts', sql: m002.sql },
  { id: 3, name: 'statistics-extensions', sql: m003.sql },
  { id: 4, name: 'approval-abort-rollback', sql: m004.sql },
  { id: 5, name: 'partition-load-and-placement', sql: m005.sql },
  { id: 6, name: 'sensor-counters', sql: m006.sql },
  { id: 7, name: 'attempt-detected-at', sql: m007.sql },
  { id: 8, name: 'counter-windows', sql: m008.sql },
  { id: 9, name: 'condition-since', sql: m009.sql },
  { id: 10, name: 'failed-attempts', sql: m010.sql },
  { id: 11, name: 'watching', sql: m011.sql },
  { id: 12, name: 'index-density-cache', sql: m012.sql },
  { id: 13, name: 'learned-weights', sql: m013.sql },
  { id: 14, name: 'retention-indexes', sql: m014.sql },
  { id: 15, name: 'sql-interface', sql: m015.sql },
  { id: 16, name: 'audit-log', sql: m016.sql },
  { id: 17, name: 'notifications', sql: m017.sql },
  { id: 18, name: 'bounded-status', sql: m018.sql },
];

// Any constant works; it only has to be the same for every selfheal process.
const MIGRATION_LOCK = 726_451_001;

/** Applies the migrations not yet applied, in one transaction under an advisory lock, so concurrent starts are safe. */
export async function migrate(pool: Pool): Promise<number[]> {
  return withTransaction(pool, async (c) => {
    await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await c.query('CREATE SCHEMA IF NOT EXISTS ruvector');
    await c.query(`CREATE TABLE IF NOT EXISTS ruvector.schema_migrations (
      id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW())`);
    const done = new Set(
      (await c.query<{ id: number }>('SELECT id FROM ruvector.schema_migrations')).rows.map((r) => r.id),
    );
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.id)) continue;
      await c.query(m.sql);
      await c.query('INSERT INTO ruvector.schema_migrations (id, name) VALUES ($1, $2)', [m.id, m.name]);
      applied.push(m.id);
    }
    // Not a migration: what the SQL functions check names against follows this version's registry.
    await syncSqlCatalog(c);
    return applied;
  });
}

/** Migrations this selfheal has that the store lacks (all of them when the store is new). */
export async function pendingMigrations(pool: Pool): Promise<number[]> {
  const exists = (await pool.query<{ t: string | null }>("SELECT to_regclass('ruvector.schema_migrations')::text AS t"))
    .rows[0]?.t;
  if (!exists) return MIGRATIONS.map((m) => m.id);
  const done = new Set(
    (await pool.query<{ id: number }>('SELECT id FROM ruvector.schema_migrations')).rows.map((r) => r.id),
  );
  return MIGRATIONS.filter((m) => !done.has(m.id)).map((m) => m.id);
}

export class StoreNotMigratedError extends Error {
  constructor(pending: number[]) {
    super(
      `the store (schema ruvector) lacks migrations ${pending.join(', ')}: run \`selfheal migrate\`, or start the ` +
        `worker, which applies them`,
    );
    this.name = 'StoreNotMigratedError';
  }
}
