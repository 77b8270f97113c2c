import type { Collection } from '../postgres/collections';
import type { Pool } from '../postgres/pool';
import { qualifiedName } from '../postgres/quote-ident';
import { isDemoTable } from '../demo/demo-collection';

/** What a drill needs to know of a collection's table before it injects anything (catalogs only). */
export interface TableShape {
  table: string;
  exists: boolean;
  /** relkind 'p', and its partitioning strategy. */
  partitioned: boolean;
  list_partitioned: boolean;
  has_rows: boolean;
  /** Column name → type name. */
  columns: Record<string, string>;
  text_columns: number;
  /** Valid btree indexes on the table itself. */
  btree_indexes: number;
  /** Primary key columns, in key order. */
  primary_key: string[];
  /** `<table>_centroids` exists beside it (an IVF-style collection). */
  has_centroids: boolean;
  demo: boolean;
}

export async function readTableShape(pool: Pool, c: Collection): Promise<TableShape> {
  const table = `${c.table_schema}.${c.table_name}`;
  const empty: TableShape = {
    table,
    exists: false,
    partitioned: false,
    list_partitioned: false,
    has_rows: false,
    columns: {},
    text_columns: 0,
    btree_indexes: 0,
    primary_key: [],
    has_centroids: false,
    demo: false,
  };
  if (c.table_oid === null) return empty;
  const { rows } = await pool.query<{
    relkind: string;
    partstrat: string | null;
    columns: Record<string, string> | null;
    text_columns: number;
    btree_indexes: number;
    primary_key: string[] | null;
    has_centroids: boolean;
  }>(
    `SELECT t.relkind::text AS relkind, p.partstrat::text AS partstrat,
            (SELECT jsonb_object_agg(a.attname, format_type(a.atttypid, a.atttypmod)) FROM pg_attribute a
              WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
            (SELECT count(*)::int FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
              WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
                AND ty.typcategory = 'S') AS text_columns,
            (SELECT count(*)::int FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid
            JOIN pg_am am ON am.oid = ci.relam
              WHERE i.indrelid = t.oid AND i.indisvalid AND am.amname = 'btree') AS btree_indexes,
            (SELECT array_agg(a.attname::text ORDER BY k.n) FROM pg_index i
               CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
              WHERE i.indrelid = t.oid AND i.indisprimary) AS primary_key,
            to_regclass(format('%I.%I', $2::text, $3::text || '_centroids')) IS NOT NULL AS has_centroids
       FROM pg_class t LEFT JOIN pg_partitioned_table p ON p.partrelid = t.oid
      WHERE t.oid = $1`,
    [c.table_oid, c.table_schema, c.table_name],
  );
  const r = rows[0];
  if (!r) return empty;
  const hasRows = (
    await pool.query<{ e: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${qualifiedName(c.table_schema, c.table_name)}) AS e`,
    )
  ).rows[0]!.e;
  return {
    table,
    exists: true,
    partitioned: r.relkind === 'p',
    list_partitioned: r.relkind === 'p' && r.partstrat === 'l',
    has_rows: hasRows,
    columns: r.columns ?? {},
    text_columns: r.text_columns,
    btree_indexes: r.btree_indexes,
    primary_key: r.primary_key ?? [],
    has_centroids: r.has_centroids,
    demo: await isDemoTable(pool, c.table_schema, c.table_name),
  };
}

interface Requirement {
  /** What the drill needs, for messages: "a plain table with a btree index". */
  needs: string;
  /** Why this table does not do, or null when it does. */
  unmet(t: TableShape): string | null;
}

const first = (...reasons: (string | false)[]): string | null =>
  reasons.find((r): r is string => typeof r === 'string') ?? null;
const plain = (t: TableShape) => t.partitioned && 'it is partitioned';
const rows = (t: TableShape) => !t.has_rows && 'it is empty';
const anyTable: Requirement = { needs: 'any collection whose table exists', unmet: () => null };

/** Per drill: what its injection needs of the collection's table, checked before it touches anything. */
export const DRILL_REQUIREMENTS: Record<string, Requirement> = {
  IndexFragmentation: {
    needs:
      'a plain (not partitioned) table with a btree index (a demo table is refilled first, ' +
      'through its columns id and payload)',
    unmet: (t) =>
      first(
        plain(t),
        t.btree_indexes === 0 && 'it has no valid btree index',
        t.demo &&
          !(t.columns.id === 'bigint' && t.columns.payload === 'text') &&
          'it is a demo table without the columns id bigint and payload text the refill writes',
      ),
  },
  InvalidIndex: {
    needs: 'a plain (not partitioned) table with rows (CREATE INDEX CONCURRENTLY is refused on a partitioned one)',
    unmet: (t) => first(plain(t), rows(t)),
  },
  MaintenanceContention: {
    needs: 'a plain (not partitioned) table with rows: its autovacuum is slowed and rows deleted',
    unmet: (t) => first(plain(t), rows(t)),
  },
  StaleStatistics: {
    needs: 'a plain (not partitioned) table with rows and a text column to rewrite',
    unmet: (t) => first(plain(t), rows(t), t.text_columns === 0 && 'it has no text column'),
  },
  BlockingChain: { needs: 'a table with rows: one is locked', unmet: (t) => first(rows(t)) },
  HotspotCongestion: {
    needs: 'a LIST-partitioned table with rows whose primary key is a row id plus the partition key',
    unmet: (t) =>
      first(
        !t.list_partitioned && 'it is not LIST-partitioned',
        rows(t),
        t.primary_key.length < 2 && 'its primary key is not a row id plus the partition key',
      ),
  },
  CentroidSkew: {
    needs:
      'an IVF-style collection: a LIST-partitioned table (id, partition_id, embedding) ' +
      'with <table>_centroids beside it',
    unmet: (t) =>
      first(
        !t.list_partitioned && 'it is not LIST-partitioned',
        !t.has_centroids && `there is no ${t.table}_centroids`,
        !['id', 'partition_id', 'embedding'].every((k) => k in t.columns) &&
          'it lacks the columns id, partition_id and embedding',
      ),
  },
  ReplicationLag: {
    needs: 'a table with a text column to rewrite (and a standby in SELFHEAL_STANDBY_URLS)',
    unmet: (t) => first(t.text_columns === 0 && 'it has no text column'),
  },
  RunawayQuery: anyTable,
  ConnectionExhaustion: anyTable,
  WraparoundRisk: anyTable,
  SlotRetention: anyTable,
  MemoryPressure: anyTable,
};

/** Why the drill does not apply to this table, or null when it does. */
export function drillMismatch(problemClass: string, t: TableShape): string | null {
  if (!t.exists) return `its table ${t.table} does not exist`;
  const why = DRILL_REQUIREMENTS[problemClass]?.unmet(t) ?? null;
  return why === null ? null : `${t.table}: ${why}`;
}
