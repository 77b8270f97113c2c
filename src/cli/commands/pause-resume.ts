import { WorkflowUpdateFailedError } from '@temporalio/client';
import { userInfo } from 'node:os';
import { z } from 'zod';
import { collectionNameSchema, getCollection } from '../../postgres/collections';
import { ensureGuardian, guardianWorkflowId } from '../../temporal/guardian-client';
import { pauseUpdate, resumeUpdate } from '../../../workflows/guardian-messages';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import { RefusedError } from '../errors';
import type { SystemHandles } from '../system-connection';

/** `selfheal pause|resume <collection> [--comment why]`: stop or restart auto-healing; resume also clears a "needs a person" stop. */
export function pauseResumeCommand(kind: 'pause' | 'resume') {
  return async (args: ParsedArgs, sys: SystemHandles, out: (l: string) => void): Promise<CommandResult> => {
    onlyFlags(args, ['json', 'comment', 'by']);
    if (args.positionals.length !== 1) throw new UsageError(`usage: selfheal ${kind} <collection> [--comment why] [--json]`);
    const a = z
      .object({ collection: collectionNameSchema, by: z.string().min(1).max(200), reason: z.string().max(2000).optional() })
      .parse({ collection: args.positionals[0], by: args.flags.by ?? userInfo().username, reason: args.flags.comment });
    await getCollection(await sys.pool(), a.collection);
    const client = await sys.temporal();
    await ensureGuardian(client, a.collection, sys.settings.taskQueue);
    try {
      const status = await client.workflow
        .getHandle(guardianWorkflowId(a.collection))
        .executeUpdate(kind === 'pause' ? pauseUpdate : resumeUpdate, { args: [{ by: a.by, ...(a.reason ? { reason: a.reason } : {}) }] });
      out(`${a.collection}: auto-healing ${status.enabled ? 'on' : `paused by ${status.paused_by}`}`);
      return { data: status, exitCode: 0 };
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw new RefusedError(err.cause?.message ?? err.message);
      throw err;
    }
  };
}
