import { Client, Connection, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { hostname } from 'node:os';
import pg from 'pg';
import { z, ZodError } from 'zod';
import { temporalConnectionOptions, type TemporalConnectionOptions } from '../config/temporal-connection';
import type { WorkerEnv } from '../config/worker-env';
import { healingAttemptWorkflowId } from '../domain/workflow-ids';
import { auditSigner, type AuditSigner } from '../postgres/audit-log';
import {
  collectionNameSchema,
  getCollection,
  UnknownCollectionError,
  UnwatchedCollectionError,
} from '../postgres/collections';
import { databaseKey } from '../postgres/database-key';
import { writeHealingConfig } from '../postgres/outcome-store';
import type { Pool, PoolClient } from '../postgres/pool';
import type { Queryable } from '../postgres/queryable';
import {
  beginRelay,
  COMMAND_CHANNEL,
  finishRelay,
  tryLockCommand,
  unlockCommand,
  unrelayedCommandIds,
  updateCommandResult,
  type HealingCommand,
} from '../postgres/sql-commands';
import { applyConfigure, ConfigureRefusedError, planConfigure } from '../temporal/configure-healing';
import { decideAttempt } from '../temporal/decide-attempt';
import { triggerHealing } from '../temporal/guardian-client';
import { RollbackBusyError, startRollback } from '../temporal/start-rollback';
import { triggerRequestSchema, type TriggerRequest } from '../../workflows/guardian-messages';
import type { rollbackAttempt } from '../../workflows/rollback-attempt';

/**
 * The worker's side of the SQL interface: the command functions queue a row and NOTIFY; this LISTENs
 * on its own connection (reconnecting when it drops) and relays each command to Temporal exactly as
 * the CLI does, with the caller's role as who asked, then writes the answer or the refusal back.
 *
 * Never lost: at start and at every reconnect it relays every command not yet relayed, so what was
 * queued while no worker ran goes through once one does; a failure to reach Temporal leaves the
 * command queued for a later sweep (up to MAX_RELAY_ATTEMPTS, then its error is written).
 * Never twice: a relay holds an advisory lock on the command for its whole course, and marks it begun
 * before it asks Temporal; a relay that finds the mark (the one before died midway) repeats the
 * request under the same idempotency key (an update id, the rollback's memo), which Temporal answers
 * with what it did the first time.
 */

/**
 * Beyond this many relays that could not reach Temporal, the command's error is written and it is done:
 * with the waits between them doubling from one sweep up to 5 minutes, about 40 minutes of outage.
 */
export const MAX_RELAY_ATTEMPTS = 10;
const MAX_RETRY_WAIT_MS = 5 * 60_000;

/** The update id a command's trigger, execute or decision is sent under: a repeat is the same update. */
export const relayUpdateId = (commandId: number) => `selfheal-sql-command-${commandId}`;
/** The memo key a relayed rollback carries its command's id under. */
export const RELAY_MEMO_KEY = 'selfheal_command_id';

export interface CommandRelayDeps {
  /** For the LISTEN connection, apart from the pool. */
  databaseUrl: string;
  pool: Pool;
  taskQueue: string;
  audit: AuditSigner;
  /** A client to use, or how to connect one (then closed when the relay stops). */
  temporal: Client | { connect: TemporalConnectionOptions; namespace: string };
  log?: (line: string) => void;
  /** How often commands left queued (Temporal unreachable) are tried again. */
  sweepMs?: number;
  reconnectMs?: number;
  /** Recorded as relayed_by. */
  identity?: string;
}

export interface CommandRelay {
  stop(): Promise<void>;
}

/** The production worker's relay, from its environment: what run-worker starts. */
export function startCommandRelay(o: { env: WorkerEnv; pool: Pool; log?: (line: string) => void }): CommandRelay {
  return createCommandRelay({
    databaseUrl: o.env.DATABASE_URL,
    pool: o.pool,
    taskQueue: o.env.SELFHEAL_TASK_QUEUE,
    audit: auditSigner(o.env.SELFHEAL_AUDIT_KEY),
    temporal: { connect: temporalConnectionOptions(o.env), namespace: o.env.TEMPORAL_NAMESPACE },
    ...(o.log ? { log: o.log } : {}),
  });
}

/** A refusal of the command as asked: written as its error at once, never tried again. */
class CommandRefused extends Error {}

const argsOf = {
  collection: z.object({ collection: collectionNameSchema }).passthrough(),
  execute: z.object({
    collection: collectionNameSchema,
    strategy: z.string(),
    params: z.record(z.string(), z.string()),
    dry_run: z.boolean(),
  }),
  decision: z.object({
    action_id: z.number().int().positive(),
    comment: z.string().max(2000).optional(),
  }),
  configure: z.object({ config: z.unknown(), collection: collectionNameSchema.nullable() }),
};

function isRefusal(err: unknown): boolean {
  return (
    err instanceof CommandRefused ||
    err instanceof ZodError ||
    err instanceof UnknownCollectionError ||
    err instanceof UnwatchedCollectionError ||
    err instanceof ConfigureRefusedError ||
    err instanceof RollbackBusyError ||
    err instanceof WorkflowUpdateFailedError
  );
}

function refusalText(err: unknown): string {
  if (err instanceof ZodError)
    return err.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
  if (err instanceof WorkflowUpdateFailedError) return err.cause?.message ?? err.message;
  return err instanceof Error ? err.message : String(err);
}

interface RelayOutcome {
  result: unknown;
  error: string | null;
  /** Writes in the same transaction as the answer (configure's store). */
  inTx?: (tx: Queryable) => Promise<void>;
  /** What follows once the answer is committed (the rollback's end, the guardians configured): not awaited. */
  after?: () => Promise<void>;
}

export function createCommandRelay(deps: CommandRelayDeps): CommandRelay {
  const log = deps.log ?? ((l: string) => console.log(l));
  const identity = deps.identity ?? `${hostname()}:${process.pid}`;
  const sweepMs = deps.sweepMs ?? 15_000;
  const reconnectMs = deps.reconnectMs ?? 2_000;
  const { pool } = deps;
  let stopped = false;
  let listener: pg.Client | null = null;
  let connection: Connection | null = null;
  let connecting: Promise<Client> | null = null;
  let client: Client | null = deps.temporal instanceof Client ? deps.temporal : null;
  let database: string | null = null;
  let wanted = false;
  let draining: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  const following = new Set<Promise<void>>();
  // A command that could not reach Temporal waits a sweep before it is tried again, whatever wakes the relay.
  const notBefore = new Map<number, number>();

  async function temporal(): Promise<Client> {
    if (client) return client;
    const t = deps.temporal as { connect: TemporalConnectionOptions; namespace: string };
    // One connection, however many ask at once (the drain and a configure's follow-up): a second would leak.
    connecting ??= Connection.connect({ ...t.connect, connectTimeout: 10_000 })
      .then((c) => {
        connection = c;
        client = new Client({ connection: c, namespace: t.namespace });
        return client;
      })
      .finally(() => {
        connecting = null;
      });
    return connecting;
  }

  /** Everything queued, oldest first; asked again while it runs, it goes round once more. */
  function drain(): void {
    wanted = true;
    if (draining || stopped) return;
    draining = (async () => {
      while (wanted && !stopped) {
        wanted = false;
        const now = Date.now();
        // A wait that is over is forgotten (the command may have been relayed by another worker meanwhile).
        for (const [id, at] of notBefore) if (at <= now) notBefore.delete(id);
        const waiting = [...notBefore.keys()];
        for (const id of await unrelayedCommandIds(pool, waiting)) {
          if (stopped) break;
          await relayOne(id);
        }
      }
    })()
      .catch((err: unknown) => log(`selfheal command relay: ${(err as Error).message}`))
      .finally(() => {
        draining = null;
      });
  }

  async function relayOne(id: number): Promise<void> {
    const c: PoolClient = await pool.connect();
    let locked = false;
    let broken: Error | undefined;
    // The session lost while Temporal is asked (a restart, a failover) fails this relay; an error nobody
    // listens for would crash the worker.
    const lost = (err: Error): void => void (broken ??= err);
    c.on('error', lost);
    try {
      locked = await tryLockCommand(c, id);
      if (!locked) return;
      const cmd = await beginRelay(c, id, identity);
      if (!cmd) return;
      let outcome: RelayOutcome;
      try {
        outcome = await relay(cmd, cmd.relay_attempts > 1);
      } catch (err) {
        const refused = isRefusal(err);
        if (!refused && cmd.relay_attempts < MAX_RELAY_ATTEMPTS) {
          log(`selfheal command relay: command ${id} (${cmd.kind}) not relayed yet: ${(err as Error).message}`);
          notBefore.set(id, Date.now() + Math.min(sweepMs * 2 ** (cmd.relay_attempts - 1), MAX_RETRY_WAIT_MS));
          return;
        }
        // The caller reads this error in SQL: a failure that is not a refusal says it was not done, and what to do.
        outcome = { result: null, error: refused ? refusalText(err) : givenUp(cmd, err) };
      }
      await c.query('BEGIN');
      try {
        await outcome.inTx?.(c);
        await finishRelay(c, deps.audit, cmd, outcome);
        await c.query('COMMIT');
        notBefore.delete(id);
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
      if (outcome.after) {
        const p: Promise<void> = outcome
          .after()
          .catch((err: unknown) => log(`selfheal command relay: command ${id}: ${(err as Error).message}`))
          .finally(() => following.delete(p));
        following.add(p);
      }
    } catch (err) {
      broken = err as Error;
      throw err;
    } finally {
      if (locked && !broken) await unlockCommand(c, id).catch((err: Error) => (broken = err));
      c.removeListener('error', lost);
      // A connection that failed midway may still hold the lock: it is closed, not pooled.
      c.release(broken);
    }
  }

  async function relay(cmd: HealingCommand, again: boolean): Promise<RelayOutcome> {
    const by = cmd.requested_by;
    const updateId = relayUpdateId(cmd.id);
    switch (cmd.kind) {
      case 'trigger':
      case 'execute': {
        const collection = argsOf.collection.parse(cmd.args).collection;
        await getCollection(pool, collection);
        let request: TriggerRequest = { by: `manual by ${by}` };
        if (cmd.kind === 'execute') {
          const a = argsOf.execute.parse(cmd.args);
          request = {
            by: `execute by ${by}`,
            strategy: a.strategy,
            ...(Object.keys(a.params).length ? { params: a.params } : {}),
            dry_run: a.dry_run,
          };
        }
        // The guardian's own check, so a bad parameter value is refused here with its reason.
        triggerRequestSchema.parse(request);
        database ??= await databaseKey(pool);
        const answer = await triggerHealing(await temporal(), database, collection, deps.taskQueue, request, {
          updateId,
        });
        return { result: answer, error: null };
      }
      case 'approve':
      case 'reject':
      case 'abort': {
        const a = argsOf.decision.parse(cmd.args);
        const answer = await decideAttempt(temporal, pool, cmd.kind, { ...a, by }, { updateId });
        if (!answer.ok) throw new CommandRefused(answer.message);
        return {
          result: {
            action_id: a.action_id,
            collection: answer.attempt.collection,
            workflow_id: answer.attempt.workflow_id,
            ...answer.decision,
          },
          error: null,
        };
      }
      case 'configure': {
        // Stored in the transaction that marks the command relayed: a relay cut short stored nothing.
        const a = argsOf.configure.parse(cmd.args);
        const plan = await planConfigure(pool, a.config, a.collection ?? '*');
        const result = { scope: plan.scope, change: plan.change, effective: Object.fromEntries(plan.effective) };
        return {
          result,
          error: null,
          inTx: (tx) =>
            writeHealingConfig(tx, plan.scope, plan.stored, { signer: deps.audit, by, change: plan.change }),
          after: async () => {
            database ??= await databaseKey(pool);
            const applied = await applyConfigure(await temporal(), database, plan);
            await updateCommandResult(pool, cmd.id, { ...result, applied_to: applied });
          },
        };
      }
      case 'rollback': {
        const collection = argsOf.collection.parse(cmd.args).collection;
        await getCollection(pool, collection);
        const c = await temporal();
        const handle =
          (again ? await rollbackStartedFor(c, collection, cmd.id) : null) ??
          (await startRollback(c, {
            taskQueue: deps.taskQueue,
            collection,
            by,
            memo: { [RELAY_MEMO_KEY]: cmd.id },
          }));
        const started = { kind: 'Started', workflow_id: handle.workflowId, run_id: await runIdOf(handle) };
        return {
          result: started,
          error: null,
          after: async () => {
            const end = await handle.result();
            await updateCommandResult(
              pool,
              cmd.id,
              { ...started, outcome: end },
              end.kind === 'Refused' ? `rollback refused: ${end.reason}` : null,
            );
          },
        };
      }
    }
  }

  async function listen(): Promise<void> {
    while (!stopped) {
      const l = new pg.Client({
        connectionString: deps.databaseUrl,
        application_name: 'selfheal command relay',
        // A connection that silently died would hear nothing: keepalives find it; the sweep covers the gap.
        keepAlive: true,
        connectionTimeoutMillis: 10_000,
      });
      try {
        const ended = new Promise<void>((resolve) => {
          l.on('error', () => resolve());
          l.on('end', () => resolve());
        });
        await l.connect();
        l.on('notification', () => drain());
        await l.query(`LISTEN ${COMMAND_CHANNEL}`);
        listener = l;
        // Stopped while connecting: stop() found no listener to end, so nothing would end this one.
        if (!stopped) {
          // Whatever was queued while nobody listened.
          drain();
          await ended;
        }
      } catch (err) {
        if (!stopped) log(`selfheal command relay: cannot listen (${(err as Error).message}); trying again`);
      }
      listener = null;
      await l.end().catch(() => undefined);
      if (!stopped) await new Promise<void>((r) => ((wake = r), setTimeout(r, reconnectMs).unref()));
    }
  }

  const listening = listen();
  const sweep = setInterval(() => drain(), sweepMs);
  sweep.unref();

  return {
    async stop() {
      stopped = true;
      clearInterval(sweep);
      wake?.();
      await listener?.end().catch(() => undefined);
      await listening;
      await draining;
      await connecting?.catch(() => undefined);
      // A rollback still being followed keeps its answer as "Started"; the attempt's record says how it ended.
      await connection?.close().catch(() => undefined);
      await Promise.allSettled([...following]);
    },
  };
}

/** A command given up after MAX_RELAY_ATTEMPTS failed relays (Temporal or the store unreachable): nothing was done. */
function givenUp(cmd: HealingCommand, err: unknown): string {
  const why = err instanceof Error ? err.message : String(err);
  return (
    `not carried out: no worker could relay it in ${cmd.relay_attempts} tries (the last failed: ${why}); check ` +
    'that the selfheal workers reach Temporal and the database (their logs say which), then call the function again'
  );
}

/** The run a relay before this one started for the command, found by its memo. */
async function rollbackStartedFor(
  client: Client,
  collection: string,
  commandId: number,
): Promise<WorkflowHandle<typeof rollbackAttempt> | null> {
  const workflowId = healingAttemptWorkflowId(collection);
  const latest = client.workflow.getHandle<typeof rollbackAttempt>(workflowId);
  const d = await latest.describe().catch(() => null);
  if (d?.memo?.[RELAY_MEMO_KEY] === commandId) return client.workflow.getHandle(workflowId, d.runId);
  for await (const run of client.workflow.list({
    query: `WorkflowId = '${workflowId}' AND WorkflowType = 'rollbackAttempt'`,
  }))
    if (run.memo?.[RELAY_MEMO_KEY] === commandId) return client.workflow.getHandle(workflowId, run.runId);
  return null;
}

async function runIdOf(h: WorkflowHandle): Promise<string> {
  const first = (h as { firstExecutionRunId?: string }).firstExecutionRunId;
  return first ?? (await h.describe()).runId;
}
