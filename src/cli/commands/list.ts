import { listCollections } from '../../postgres/collections';
import { displayQualifiedName } from '../../postgres/quote-ident';
import { listWatchRules, tableSizeSql } from '../../postgres/watch-rules';
import { databaseGuardianStatus } from '../../temporal/guardian-client';
import type { GuardianStatus } from '../../../workflows/guardian-messages';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import { formatSize } from '../sizes';
import type { SystemHandles } from '../system-connection';

/** `selfheal list [--all]`: the watched collections with table, kind, size, state and last sample; the watch rules. */
export async function listCommand(
  args: ParsedArgs,
  sys: SystemHandles,
  out: (l: string) => void,
): Promise<CommandResult> {
  onlyFlags(args, ['json', 'all']);
  if (args.positionals.length) throw new UsageError('usage: selfheal list [--all] [--json]');
  const pool = await sys.pool();
  const collections = await listCollections(pool, { includeUnwatched: args.flags.all === true });
  const sizes = new Map(
    (
      await pool.query<{ id: number; bytes: number | null }>(
        `SELECT c.id, ${tableSizeSql('r.oid', 'r.relkind')} AS bytes
         FROM ruvector.collections c JOIN pg_class r ON r.oid = c.table_oid WHERE c.id = ANY($1::int[])`,
        [collections.map((c) => c.id)],
      )
    ).rows.map((r) => [r.id, r.bytes]),
  );
  const client = await sys.temporal();
  // One query of the database's guardian, whatever the number of collections.
  const view = await databaseGuardianStatus(client, await sys.database());
  const byName = new Map((view?.collections ?? []).map((g) => [g.collection, g]));
  const rows = collections.map((c) => {
    const g: GuardianStatus | null = c.unwatched_at ? null : (byName.get(c.name) ?? null);
    return {
      collection: c.name,
      table: displayQualifiedName(c.table_schema, c.table_name),
      kind: c.kind,
      source: c.source,
      size_bytes: sizes.get(c.id) ?? null,
      state: c.unwatched_at ? 'unwatched' : c.table_oid === null ? 'table missing' : (g?.state ?? 'no guardian'),
      lambda: g?.lambda ?? null,
      last_sample_at: g?.last_sample_at ?? null,
      ...(c.unwatched_at ? { unwatched_at: c.unwatched_at, unwatch_reason: c.unwatch_reason } : {}),
    };
  });
  const rules = await listWatchRules(pool);
  const header = ['collection', 'table', 'kind', 'size', 'state', 'last sample'];
  const cells = rows.map((r) => [
    r.collection,
    r.table,
    r.kind,
    r.size_bytes === null ? '-' : formatSize(r.size_bytes),
    `${r.state}${r.lambda === null ? '' : ` (λ ${r.lambda.toFixed(3)})`}` +
      `${r.unwatch_reason ? `: ${r.unwatch_reason}` : ''}`,
    r.last_sample_at ?? '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  if (rows.length === 0)
    out('no collections are watched: `selfheal watch <schema.table>` or `selfheal watch --database`');
  else [header, ...cells].forEach((c) => out(line(c)));
  for (const r of rules) {
    out(
      `watch rule ${r.id}: include ${r.include.join(', ')}` +
        `${r.exclude.length ? `, exclude ${r.exclude.join(', ')}` : ''}` +
        `${r.min_size_bytes ? `, at least ${formatSize(r.min_size_bytes)}` : ''}`,
    );
  }
  return { data: { collections: rows, rules }, exitCode: 0 };
}
