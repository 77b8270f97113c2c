import { listCollections, recordWatchEvent } from './collections';
import type { Pool } from './pool';
import { listUserTables, listWatchRules, ruleMatches } from './watch-rules';
import { defaultCollectionName, watchTable, WatchRefused } from './watch-table';

export interface WatchSync {
  /** Collections a watch rule picked up in this pass. */
  watched: string[];
  /** Collections whose table was renamed (followed by its OID) or created again under its name. */
  renamed: { collection: string; from: string; to: string }[];
  /** Collections whose table is gone: unwatched, with the reason recorded once. */
  unwatched: { collection: string; reason: string }[];
  /** Tables a rule matched that could not be watched, and why. */
  skipped: { table: string; reason: string }[];
}

/**
 * Brings the watched set in line with the database: follows renames, unwatches collections whose
 * table was dropped (each reported once, then no longer sampled), and watches the tables the rules
 * match that are not watched yet. Safe to run from several workers at once (watchTable locks).
 */
export async function syncWatchedTables(pool: Pool): Promise<WatchSync> {
  const out: WatchSync = { watched: [], renamed: [], unwatched: [], skipped: [] };
  const { rows: stored } = await pool.query<{ id: number; name: string; table_schema: string; table_name: string; table_oid: number | null }>(
    'SELECT id, name, table_schema, table_name, table_oid::int8 AS table_oid FROM ruvector.collections WHERE unwatched_at IS NULL',
  );
  const live = new Map((await listCollections(pool)).map((c) => [c.id, c]));
  for (const s of stored) {
    const c = live.get(s.id);
    if (!c) continue;
    if (c.table_oid === null) {
      const reason = `table ${s.table_schema}.${s.table_name} was dropped`;
      const r = await pool.query(
        `UPDATE ruvector.collections SET unwatched_at = now(), unwatch_reason = $2 WHERE id = $1 AND unwatched_at IS NULL`,
        [s.id, reason],
      );
      if (r.rowCount) {
        await recordWatchEvent(pool, s.id, 'unwatched', reason);
        out.unwatched.push({ collection: s.name, reason });
      }
    } else if (c.table_oid !== s.table_oid || c.table_schema !== s.table_schema || c.table_name !== s.table_name) {
      const from = `${s.table_schema}.${s.table_name}`;
      const to = `${c.table_schema}.${c.table_name}`;
      await pool.query('UPDATE ruvector.collections SET table_schema = $2, table_name = $3, table_oid = $4 WHERE id = $1', [s.id, c.table_schema, c.table_name, c.table_oid]);
      const detail = c.table_oid !== s.table_oid ? `${to} was created again (new table, same name)` : `${from} renamed to ${to}`;
      await recordWatchEvent(pool, s.id, 'renamed', detail);
      out.renamed.push({ collection: s.name, from, to });
    }
  }

  const rules = await listWatchRules(pool);
  if (rules.length === 0) return out;
  const watchedOids = new Set((await listCollections(pool)).map((c) => c.table_oid));
  const taken = new Set((await pool.query<{ name: string }>('SELECT name FROM ruvector.collections')).rows.map((r) => r.name));
  // A table watched before and unwatched by a person stays unwatched: a rule does not undo that.
  const { rows: declined } = await pool.query<{ table_oid: number }>(
    `SELECT table_oid::int8 AS table_oid FROM ruvector.collections WHERE unwatched_at IS NOT NULL AND table_oid IS NOT NULL AND unwatch_reason LIKE 'unwatched by %'`,
  );
  const declinedOids = new Set(declined.map((r) => r.table_oid));
  for (const t of await listUserTables(pool, [...watchedOids, ...declinedOids].filter((o): o is number => o !== null))) {
    if (watchedOids.has(t.oid) || declinedOids.has(t.oid) || !rules.some((r) => ruleMatches(r, t))) continue;
    // The table's own name, or schema_table when another collection has that name.
    const plain = defaultCollectionName(t.schema, t.name);
    const name = plain && !taken.has(plain) ? plain : defaultCollectionName(t.schema, `${t.schema}_${t.name}`);
    if (!name) {
      out.skipped.push({ table: `${t.schema}.${t.name}`, reason: 'no usable collection name' });
      continue;
    }
    try {
      const w = await watchTable(pool, { table: `"${t.schema.replace(/"/g, '""')}"."${t.name.replace(/"/g, '""')}"`, name, source: 'rule' });
      taken.add(w.collection.name);
      out.watched.push(w.collection.name);
    } catch (err) {
      if (!(err instanceof WatchRefused)) throw err;
      out.skipped.push({ table: `${t.schema}.${t.name}`, reason: err.message });
    }
  }
  return out;
}
