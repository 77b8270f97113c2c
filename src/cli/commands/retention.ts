import { describeRetentionCounts } from '../../domain/retention-counts';
import { deleteExpiredHistory } from '../../postgres/retention';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import type { SystemHandles } from '../system-connection';
import { counted } from '../../domain/counted';

/**
 * `selfheal retention [--dry-run]`: what the retention Schedule deletes, now, by the same rules, on the store
 * directly (no worker needed); a dry run only counts, in a read-only transaction.
 */
export async function retentionCommand(
  args: ParsedArgs,
  sys: SystemHandles,
  out: (l: string) => void,
): Promise<CommandResult> {
  onlyFlags(args, ['json', 'dry-run']);
  if (args.positionals.length) throw new UsageError('usage: selfheal retention [--dry-run] [--json]');
  const dryRun = args.flags['dry-run'] === true;
  const r = await deleteExpiredHistory(await sys.pool(), { dryRun });
  out(
    `history_retention_days ${r.history_retention_days}: attempts and outcomes that ended before ${r.cutoff}; ` +
      `outcomes since ${r.learning_cutoff} stay for the learned weights (${counted(r.learning_window_days, 'day')})`,
  );
  out(`${dryRun ? 'would delete' : 'deleted'}: ${describeRetentionCounts(r.deleted)}`);
  return { data: r, exitCode: 0 };
}
