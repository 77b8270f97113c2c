import { WorkflowUpdateFailedError } from '@temporalio/client';
import { userInfo } from 'node:os';
import { z } from 'zod';
import { appendAuditNow, auditSigner } from '../../postgres/audit-log';
import { collectionNameSchema, getCollection } from '../../postgres/collections';
import { pauseCollection, resumeCollection } from '../../temporal/guardian-client';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import { RefusedError } from '../errors';
import type { SystemHandles } from '../system-connection';

/**
 * `selfheal pause|resume <collection> [--comment why]`: stop or restart auto-healing; resume also clears a "needs a
 * person" stop.
 */
export function pauseResumeCommand(kind: 'pause' | 'resume') {
  return async (args: ParsedArgs, sys: SystemHandles, out: (l: string) => void): Promise<CommandResult> => {
    onlyFlags(args, ['json', 'comment', 'by']);
    if (args.positionals.length !== 1)
      throw new UsageError(`usage: selfheal ${kind} <collection> [--comment why] [--json]`);
    const a = z
      .object({
        collection: collectionNameSchema,
        by: z.string().min(1).max(200),
        reason: z.string().max(2000).optional(),
      })
      .parse({ collection: args.positionals[0], by: args.flags.by ?? userInfo().username, reason: args.flags.comment });
    const pool = await sys.pool();
    await getCollection(pool, a.collection);
    const client = await sys.temporal();
    try {
      const request = { by: a.by, ...(a.reason ? { reason: a.reason } : {}) };
      const status = await (kind === 'pause' ? pauseCollection : resumeCollection)(
        client,
        await sys.database(),
        sys.settings.taskQueue,
        a.collection,
        request,
      );
      // After the guardian took it: a refused request changed nothing and is not a decision on record.
      await appendAuditNow(pool, auditSigner(sys.settings.auditKey), [
        {
          actor: a.by,
          event: kind === 'pause' ? 'paused' : 'resumed',
          collection: a.collection,
          action_id: null,
          strategy: null,
          reversible: null,
          allowed_by: null,
          details: { reason: a.reason ?? null, enabled: status.enabled },
        },
      ]);
      out(`${a.collection}: auto-healing ${status.enabled ? 'on' : `paused by ${status.paused_by}`}`);
      return { data: status, exitCode: 0 };
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw new RefusedError(err.cause?.message ?? err.message);
      throw err;
    }
  };
}
