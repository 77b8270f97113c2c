import { z } from 'zod';
import { isProblemClassName } from '../../domain/problem-class';
import { faultScope } from '../../guardian/fault-scope';
import { collectionNameSchema } from '../../postgres/collections';
import { loadHistory } from '../../postgres/outcome-store';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import { parseSince, parseWholeNumber } from '../durations';
import type { SystemHandles } from '../system-connection';

const argsSchema = z.object({
  since: z.date(),
  limit: z.number().int().min(1).max(10_000),
  collection: collectionNameSchema.optional(),
});

/** `selfheal history [--since 24h|ISO] [--limit 20] [--collection c]`: ruvector_healing_history. */
export async function historyCommand(
  args: ParsedArgs,
  sys: SystemHandles,
  out: (l: string) => void,
): Promise<CommandResult> {
  onlyFlags(args, ['json', 'since', 'limit', 'collection']);
  if (args.positionals.length)
    throw new UsageError(
      'usage: selfheal history [--since 24h|2026-01-01T00:00:00Z] [--limit 20] [--collection name] [--json]',
    );
  const a = argsSchema.parse({
    since: parseSince(String(args.flags.since ?? '24h')),
    limit: parseWholeNumber('limit', String(args.flags.limit ?? '20'), 1, 10_000),
    collection: args.flags.collection === undefined ? undefined : String(args.flags.collection),
  });
  // A server's fault (its connection slots, replication slots, standbys, a role's sort memory) is
  // healed by one attempt in whichever collection saw it first: say so, or the row reads as that collection's.
  const rows = (await loadHistory(await sys.pool(), a)).map((r) => ({
    ...r,
    scope: r.problem_class !== null && isProblemClassName(r.problem_class) ? faultScope(r.problem_class) : null,
  }));
  if (rows.length === 0) out(`no healing attempts since ${a.since.toISOString()}`);
  for (const r of rows) {
    const result =
      r.status === 'Completed'
        ? `${r.success ? 'success' : 'failed'}, ${r.verified ? 'verified' : 'not verified'}`
        : r.status;
    const lambda =
      r.initial_lambda !== null ? ` λ ${r.initial_lambda.toFixed(3)} → ${r.final_lambda?.toFixed(3) ?? '?'}` : '';
    const imp = r.improvement !== null ? ` (${(r.improvement * 100).toFixed(1)} %)` : '';
    out(
      `#${r.attempt_id} ${r.started_at} ${r.collection} ${r.problem_class ?? '-'}` +
        `${r.scope === 'server' ? ' (server-wide: one attempt for every collection on the server)' : ''} → ` +
        `${r.strategy ?? '-'}: ${result}${lambda}${imp}${r.reason && r.status !== 'Completed' ? ` — ${r.reason}` : ''}`,
    );
  }
  return { data: rows, exitCode: 0 };
}
