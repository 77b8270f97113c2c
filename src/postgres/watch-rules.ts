import { z } from 'zod';
import type { Queryable } from './queryable';
import { SYSTEM_SCHEMAS } from './watch-table';
import { appendAudit, type AuditedBy, type AuditFact } from './audit-log';
import { withTransaction, type Pool } from './pool';

/**
 * A glob over `schema.table` (`*` any run, `?` one character); without a dot it names tables in
 * any schema. Names are matched as PostgreSQL spells them (case included).
 */
export const tableGlobSchema = z
  .string()
  .min(1, 'a glob is not empty')
  .max(200, 'a glob is at most 200 characters')
  .regex(/^[^\0]+$/, 'a glob has no NUL')
  .refine(
    (g) => !/[[\]{}\\]/.test(g),
    (g) => ({ message: `glob "${g}": globs take * and ? only, not [ ] { } or \\ (write e.g. app.* or *_tmp)` }),
  )
  .refine(
    (g) => !g.startsWith('.') && !g.endsWith('.'),
    (g) => ({ message: `glob "${g}": write table, or schema.table with both parts (app.*, *.orders)` }),
  );

export const watchRuleSchema = z
  .object({
    include: z.array(tableGlobSchema).min(1).max(50).default(['*.*']),
    exclude: z.array(tableGlobSchema).max(50).default([]),
    min_size_bytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  })
  .strict();
export type WatchRule = z.infer<typeof watchRuleSchema> & { id?: number };

export function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

function matches(glob: string, schema: string, table: string): boolean {
  return glob.includes('.') ? globToRegExp(glob).test(`${schema}.${table}`) : globToRegExp(glob).test(table);
}

export function ruleMatches(
  rule: Pick<WatchRule, 'include' | 'exclude' | 'min_size_bytes'>,
  t: { schema: string; name: string; size_bytes: number },
): boolean {
  return (
    t.size_bytes >= rule.min_size_bytes &&
    rule.include.some((g) => matches(g, t.schema, t.name)) &&
    !rule.exclude.some((g) => matches(g, t.schema, t.name))
  );
}

export interface UserTable {
  oid: number;
  schema: string;
  name: string;
  /** The table's size with its indexes and TOAST; a partitioned table's is its partitions'. */
  size_bytes: number;
}

/** SQL for a table's size with its indexes and TOAST; a partitioned table's is its leaves'. */
export function tableSizeSql(oid: string, relkind: string): string {
  return (
    `(CASE WHEN ${relkind} = 'p'
                THEN (SELECT coalesce(sum(pg_total_relation_size(t.relid)), 0) FROM pg_partition_tree(${oid}) t ` +
    `WHERE t.isleaf)
                ELSE pg_total_relation_size(${oid}) END)::float8`
  );
}

/**
 * Every table a watch rule may pick: ordinary and partitioned tables outside system schemas, not
 * partitions; those in `skip` (already watched) are left out before their size is computed, so a
 * pass over a database whose tables are all watched reads no sizes.
 */
export async function listUserTables(db: Queryable, skip: readonly number[] = []): Promise<UserTable[]> {
  const { rows } = await db.query<UserTable>(
    `SELECT c.oid::int8 AS oid, n.nspname::text AS schema, c.relname::text AS name,
            ${tableSizeSql('c.oid', 'c.relkind')} AS size_bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND n.nspname <> ALL ($1::text[]) AND n.nspname NOT LIKE 'pg\\_temp%' AND n.nspname NOT LIKE 'pg\\_toast%'
        AND c.oid <> ALL ($2::oid[])
      ORDER BY n.nspname, c.relname`,
    [SYSTEM_SCHEMAS, skip],
  );
  return rows;
}

/** Saves a rule (the same rule again is the same row) and puts it on the audit trail, in one transaction. */
export async function saveWatchRule(
  pool: Pool,
  rule: z.input<typeof watchRuleSchema>,
  audit: AuditedBy,
): Promise<WatchRule & { id: number }> {
  const r = watchRuleSchema.parse(rule);
  return withTransaction(pool, async (tx) => {
    const { rows } = await tx.query<{ id: number; created: boolean }>(
      `INSERT INTO ruvector.watch_rules (include, exclude, min_size_bytes, created_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (include, exclude, min_size_bytes) DO UPDATE SET include = EXCLUDED.include
       RETURNING id, (xmax = 0) AS created`,
      [r.include, r.exclude, r.min_size_bytes, audit.by],
    );
    const saved = { ...r, id: rows[0]!.id };
    if (rows[0]!.created) await appendAudit(tx, audit.signer, [ruleFact('rule_added', saved, audit.by)]);
    return saved;
  });
}

export async function listWatchRules(db: Queryable): Promise<(WatchRule & { id: number })[]> {
  const { rows } = await db.query<WatchRule & { id: number }>(
    'SELECT id, include, exclude, min_size_bytes::float8 AS min_size_bytes FROM ruvector.watch_rules ORDER BY id',
  );
  return rows;
}

export async function deleteWatchRule(pool: Pool, id: number, audit: AuditedBy): Promise<boolean> {
  return withTransaction(pool, async (tx) => {
    const { rows } = await tx.query<WatchRule & { id: number }>(
      `DELETE FROM ruvector.watch_rules WHERE id = $1
       RETURNING id, include, exclude, min_size_bytes::float8 AS min_size_bytes`,
      [id],
    );
    if (rows[0]) await appendAudit(tx, audit.signer, [ruleFact('rule_removed', rows[0], audit.by)]);
    return rows.length > 0;
  });
}

function ruleFact(event: 'rule_added' | 'rule_removed', rule: WatchRule & { id: number }, by: string): AuditFact {
  return {
    actor: by,
    event,
    collection: null,
    action_id: null,
    strategy: null,
    reversible: null,
    allowed_by: null,
    details: { rule },
  };
}
