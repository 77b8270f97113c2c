import { MIGRATIONS } from './migrate';

/**
 * The tables of selfheal's own store (schema ruvector), as its migrations create them. PostgreSQL
 * names a table unqualified in "permission denied for table …": this says which of them are ours.
 */
export const STORE_TABLES: ReadonlySet<string> = new Set([
  'schema_migrations',
  ...MIGRATIONS.flatMap((m) => [
    ...m.sql.matchAll(/CREATE TABLE (?:IF NOT EXISTS )?ruvector\.([a-z_][a-z0-9_]*)/gi),
  ]).map((x) => x[1]!),
]);
