import { userInfo } from 'node:os';
import { z } from 'zod';
import { collectionNameSchema } from '../../postgres/collections';
import { displayQualifiedName } from '../../postgres/quote-ident';
import { deleteWatchRule } from '../../postgres/watch-rules';
import { unwatchCollection } from '../../postgres/watch-table';
import { refreshGuardian } from '../../temporal/guardian-client';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import { NotFoundError } from '../errors';
import type { SystemHandles } from '../system-connection';
import { auditSigner } from '../../postgres/audit-log';

/**
 * `selfheal unwatch <collection>`: its guardian stops; an attempt already running finishes (and
 * compensates) on its own; attempts and outcomes stay on record. `--rule N` removes a watch rule.
 */
export async function unwatchCommand(
  args: ParsedArgs,
  sys: SystemHandles,
  out: (l: string) => void,
): Promise<CommandResult> {
  onlyFlags(args, ['json', 'comment', 'rule']);
  const pool = await sys.pool();
  if (args.flags.rule !== undefined) {
    if (args.positionals.length) throw new UsageError('usage: selfheal unwatch --rule <id>');
    const id = z.coerce
      .number({ message: '--rule takes a rule id' })
      .int()
      .positive()
      .max(2 ** 31 - 1)
      .parse(args.flags.rule);
    if (!(await deleteWatchRule(pool, id, { signer: auditSigner(sys.settings.auditKey), by: userInfo().username })))
      throw new NotFoundError(`no watch rule ${id}: \`selfheal list --json\` shows the rules`);
    out(`watch rule ${id} removed; the collections it watched stay watched (\`selfheal unwatch <collection>\` each)`);
    return { data: { removed_rule: id }, exitCode: 0 };
  }
  if (args.positionals.length !== 1)
    throw new UsageError('usage: selfheal unwatch <collection> [--comment why] | selfheal unwatch --rule <id>');
  const name = collectionNameSchema.parse(args.positionals[0]);
  const comment = args.flags.comment === undefined ? undefined : z.string().max(500).parse(String(args.flags.comment));
  const by = userInfo().username;
  const c = await unwatchCollection(pool, name, `unwatched by ${by}${comment ? `: ${comment}` : ''}`, {
    signer: auditSigner(sys.settings.auditKey),
    by,
  });
  // The guardian would drop it at its next pass; asking for a pass drops it now.
  await refreshGuardian(await sys.temporal(), await sys.database());
  const table = displayQualifiedName(c.table_schema, c.table_name);
  out(`no longer watching ${table} (collection "${c.name}"); its history stays`);
  return { data: { collection: c }, exitCode: 0 };
}
