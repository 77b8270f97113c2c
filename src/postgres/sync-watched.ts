import { listCollections, listStoredCollections, recordWatchEvent, type Collection } from './collections';
import type { AuditedBy, AuditSigner } from './audit-log';
import { withTransaction, type Pool } from './pool';
import { displayQualifiedName, qualifiedName } from './quote-ident';
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
export async function syncWatchedTables(pool: Pool, signer: AuditSigner): Promise<WatchSync> {
  return (await syncWatched(pool, signer)).sync;
}

/**
 * syncWatchedTables, and the watched collections after it as listCollections lists them: a pass
 * needs both, and the sync has read them already. The collections are read once (one catalog
 * pass, not one per question) and read again only when a rule watched new ones.
 */
export async function syncWatched(
  pool: Pool,
  signer: AuditSigner,
): Promise<{ sync: WatchSync; collections: Collection[] }> {
  // What the database did (a drop, a rename) or a rule decided: recorded as selfheal's own doing.
  const audit: AuditedBy = { signer, by: 'selfheal' };
  const out: WatchSync = { watched: [], renamed: [], unwatched: [], skipped: [] };
  const all = await listStoredCollections(pool);
  // The watched ones as listCollections has them after the sync: a rename changes only the row
  // (the live names come from the catalog either way), an unwatched one leaves.
  const watched: Collection[] = [];
  for (const { stored_schema, stored_name, stored_oid, ...c } of all) {
    if (c.unwatched_at !== null) continue;
    if (c.table_oid === null) {
      const reason = `table ${displayQualifiedName(stored_schema, stored_name)} was dropped`;
      const gone = await withTransaction(pool, async (tx) => {
        const r = await tx.query(
          `UPDATE ruvector.collections SET unwatched_at = now(), unwatch_reason = $2
            WHERE id = $1 AND unwatched_at IS NULL`,
          [c.id, reason],
        );
        if (r.rowCount) await recordWatchEvent(tx, c, 'unwatched', reason, audit);
        return (r.rowCount ?? 0) > 0;
      });
      if (gone) out.unwatched.push({ collection: c.name, reason });
      continue;
    }
    if (c.table_oid !== stored_oid || c.table_schema !== stored_schema || c.table_name !== stored_name) {
      const from = displayQualifiedName(stored_schema, stored_name);
      const to = displayQualifiedName(c.table_schema, c.table_name);
      const detail =
        c.table_oid !== stored_oid ? `${to} was created again (new table, same name)` : `${from} renamed to ${to}`;
      // Another worker's pass may follow the same rename: only the one that changes the row records it.
      await withTransaction(pool, async (tx) => {
        const r = await tx.query(
          `UPDATE ruvector.collections SET table_schema = $2, table_name = $3, table_oid = $4
            WHERE id = $1 AND (table_schema, table_name, table_oid) IS DISTINCT FROM ($2, $3, $4)`,
          [c.id, c.table_schema, c.table_name, c.table_oid],
        );
        if (r.rowCount) await recordWatchEvent(tx, c, 'renamed', detail, audit);
      });
      out.renamed.push({ collection: c.name, from, to });
    }
    watched.push(c);
  }

  const rules = await listWatchRules(pool);
  if (rules.length === 0) return { sync: out, collections: watched };
  const watchedOids = new Set(watched.map((c) => c.table_oid));
  const taken = new Set(all.map((c) => c.name));
  // A table watched before and unwatched by a person stays unwatched: a rule does not undo that.
  const declinedOids = new Set(
    all
      .filter((c) => c.unwatched_at !== null && c.stored_oid !== null && c.unwatch_reason?.startsWith('unwatched by '))
      .map((c) => c.stored_oid),
  );
  for (const t of await listUserTables(
    pool,
    [...watchedOids, ...declinedOids].filter((o): o is number => o !== null),
  )) {
    if (watchedOids.has(t.oid) || declinedOids.has(t.oid) || !rules.some((r) => ruleMatches(r, t))) continue;
    // The table's own name, or schema_table when another collection has that name.
    const plain = defaultCollectionName(t.schema, t.name);
    const name = plain && !taken.has(plain) ? plain : defaultCollectionName(t.schema, `${t.schema}_${t.name}`);
    if (!name) {
      out.skipped.push({ table: displayQualifiedName(t.schema, t.name), reason: 'no usable collection name' });
      continue;
    }
    try {
      const w = await watchTable(pool, { table: qualifiedName(t.schema, t.name), name, source: 'rule' }, audit);
      taken.add(w.collection.name);
      out.watched.push(w.collection.name);
    } catch (err) {
      if (!(err instanceof WatchRefused)) throw err;
      out.skipped.push({ table: displayQualifiedName(t.schema, t.name), reason: err.message });
    }
  }
  return { sync: out, collections: out.watched.length > 0 ? await listCollections(pool) : watched };
}
