import { userInfo } from 'node:os';
import { z } from 'zod';
import { collectionNameSchema } from '../../postgres/collections';
import { syncWatchedTables } from '../../postgres/sync-watched';
import { displayQualifiedName } from '../../postgres/quote-ident';
import { listWatchRules, saveWatchRule, tableGlobSchema } from '../../postgres/watch-rules';
import { watchTable, WatchRefused, WatchTableMissing } from '../../postgres/watch-table';
import { ensureGuardian, refreshGuardian } from '../../temporal/guardian-client';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import { NotFoundError, RefusedError } from '../errors';
import { formatSize, parseSize } from '../sizes';
import type { SystemHandles } from '../system-connection';
import { auditSigner } from '../../postgres/audit-log';

const USAGE = [
  'usage: selfheal watch <schema.table> [--as name] [--kind table|ivf --centroids <table> [--archive <table>]]',
  '       selfheal watch --database [--include glob[,glob]] [--exclude glob[,glob]] [--min-size 1MB]',
].join('\n');

const globs = (v: string | true | undefined) =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean)
    : undefined;

/**
 * `selfheal watch`: one table as a collection, or (`--database`) a rule that watches every matching
 * user table now and those created later, picked up within one check interval.
 */
export async function watchCommand(
  args: ParsedArgs,
  sys: SystemHandles,
  out: (l: string) => void,
): Promise<CommandResult> {
  onlyFlags(args, ['json', 'as', 'kind', 'centroids', 'archive', 'database', 'include', 'exclude', 'min-size']);
  const pool = await sys.pool();
  if (args.flags.database) {
    if (args.positionals.length) throw new UsageError(`watch --database takes no table\n${USAGE}`);
    const rule = z
      .object({
        include: z.array(tableGlobSchema).min(1).optional(),
        exclude: z.array(tableGlobSchema).optional(),
        min_size_bytes: z.number().optional(),
      })
      .parse({
        include: globs(args.flags.include),
        exclude: globs(args.flags.exclude),
        min_size_bytes:
          args.flags['min-size'] === undefined ? undefined : parseSize('min-size', String(args.flags['min-size'])),
      });
    const audit = { signer: auditSigner(sys.settings.auditKey), by: userInfo().username };
    const saved = await saveWatchRule(pool, rule, audit);
    const sync = await syncWatchedTables(pool, audit.signer);
    const client = await sys.temporal();
    const db = await sys.database();
    await ensureGuardian(client, db, sys.settings.taskQueue);
    await refreshGuardian(client, db);
    out(
      `watch rule ${saved.id} on database ${db}: include ${saved.include.join(', ')}` +
        `${saved.exclude.length ? `, exclude ${saved.exclude.join(', ')}` : ''}` +
        `${saved.min_size_bytes ? `, at least ${formatSize(saved.min_size_bytes)}` : ''}`,
    );
    out(
      sync.watched.length
        ? `now watching ${sync.watched.length} more: ${sync.watched.join(', ')}`
        : 'no table matched that was not watched already',
    );
    for (const s of sync.skipped) out(`not watched: ${s.table}: ${s.reason}`);
    out('tables created later that match are picked up within one check interval (`selfheal list`).');
    return { data: { rule: saved, ...sync, rules: await listWatchRules(pool) }, exitCode: 0 };
  }
  if (args.positionals.length !== 1) throw new UsageError(USAGE);
  const name = args.flags.as === undefined ? undefined : collectionNameSchema.parse(String(args.flags.as));
  const kind =
    args.flags.kind === undefined
      ? undefined
      : z.enum(['table', 'ivf'], { message: '--kind is table or ivf' }).parse(args.flags.kind);
  try {
    const { collection: c, created } = await watchTable(
      pool,
      {
        table: args.positionals[0]!,
        ...(name ? { name } : {}),
        ...(kind ? { kind } : {}),
        ...(typeof args.flags.centroids === 'string' ? { centroids: args.flags.centroids } : {}),
        ...(typeof args.flags.archive === 'string' ? { archive: args.flags.archive } : {}),
      },
      { signer: auditSigner(sys.settings.auditKey), by: userInfo().username },
    );
    const client = await sys.temporal();
    await ensureGuardian(client, await sys.database(), sys.settings.taskQueue);
    await refreshGuardian(client, await sys.database());
    const table = displayQualifiedName(c.table_schema, c.table_name);
    out(
      `${created ? 'watching' : 'already watching'} ${table} as collection "${c.name}" ` +
        `(${c.kind}${c.centroids_table ? `, centroids ${c.centroids_table}` : ''}` +
        `${c.archive_table ? `, archive ${c.archive_table}` : ''})`,
    );
    out(`the database's guardian samples it every check_interval: \`selfheal status ${c.name}\``);
    return { data: { collection: c, created }, exitCode: 0 };
  } catch (err) {
    if (err instanceof WatchTableMissing) throw new NotFoundError(err.message);
    if (err instanceof WatchRefused) throw new RefusedError(err.message);
    throw err;
  }
}
