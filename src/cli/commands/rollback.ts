import { userInfo } from 'node:os';
import { z } from 'zod';
import { collectionNameSchema, getCollection } from '../../postgres/collections';
import { RollbackBusyError, startRollback } from '../../temporal/start-rollback';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import { RefusedError } from '../errors';
import type { SystemHandles } from '../system-connection';

/**
 * `selfheal rollback <collection>`: ruvector_healing_rollback. Undoes the last completed reversible
 * attempt from its recorded snapshot; refuses an irreversible one. Shares the attempt's workflow id,
 * so it cannot run beside a healing attempt on the same collection.
 */
export async function rollbackCommand(
  args: ParsedArgs,
  sys: SystemHandles,
  out: (l: string) => void,
): Promise<CommandResult> {
  onlyFlags(args, ['json', 'by']);
  if (args.positionals.length !== 1) throw new UsageError('usage: selfheal rollback <collection> [--by name] [--json]');
  const a = z
    .object({ collection: collectionNameSchema, by: z.string().min(1).max(200) })
    .parse({ collection: args.positionals[0], by: args.flags.by ?? userInfo().username });
  await getCollection(await sys.pool(), a.collection);
  let handle;
  try {
    handle = await startRollback(await sys.temporal(), {
      taskQueue: sys.settings.taskQueue,
      collection: a.collection,
      by: a.by,
    });
  } catch (err) {
    if (err instanceof RollbackBusyError) throw new RefusedError(err.message);
    throw err;
  }
  const result = await handle.result();
  if (result.kind === 'Refused') throw new RefusedError(`rollback refused: ${result.reason}`);
  out(
    `rolled back action ${result.rolled_back} (${result.strategy}) on ${a.collection}: ` +
      `recorded as action ${result.attempt_id}`,
  );
  return { data: result, exitCode: 0 };
}
