import { appendAudit, type AuditSigner } from './audit-log';
import { strategyReversible } from './attempt-audit';
import type { Queryable } from './queryable';

/**
 * The queue the SQL command functions write (ruvector.healing_commands, migration 15) and the worker's
 * command relay empties. A command is relayed by one worker at a time: it holds a session advisory
 * lock on the command's id while it relays, which a crash or a lost connection gives up by itself.
 */

/** What ruvector.queue_healing_command NOTIFYs, with the command's id as payload. */
export const COMMAND_CHANNEL = 'selfheal_commands';

export const COMMAND_KINDS = ['trigger', 'approve', 'reject', 'abort', 'configure', 'execute', 'rollback'] as const;
export type CommandKind = (typeof COMMAND_KINDS)[number];

export interface HealingCommand {
  id: number;
  kind: CommandKind;
  args: Record<string, unknown>;
  requested_by: string;
  requested_at: string;
  /** After beginRelay: how many relays have begun, this one included (more than 1: one before did not finish). */
  relay_attempts: number;
  relayed_at: string | null;
  result: unknown;
  error: string | null;
}

// The two-key form keeps these apart from selfheal's other advisory locks (one key each).
const RELAY_LOCK_CLASS = 726_451_201;
const lockKey = (id: number) => id % 2_147_483_647;

/** The oldest commands not relayed yet, less those `waiting` out a retry: those never hold back the ones behind. */
export async function unrelayedCommandIds(
  db: Queryable,
  waiting: readonly number[] = [],
  limit = 100,
): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT id FROM ruvector.healing_commands WHERE relayed_at IS NULL AND id <> ALL($2::bigint[])
      ORDER BY id LIMIT $1`,
    [limit, waiting],
  );
  return rows.map((r) => r.id);
}

/** On the connection that relays it; false while another worker holds it. */
export async function tryLockCommand(db: Queryable, id: number): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [
    RELAY_LOCK_CLASS,
    lockKey(id),
  ]);
  return rows[0]!.ok;
}

export async function unlockCommand(db: Queryable, id: number): Promise<void> {
  await db.query('SELECT pg_advisory_unlock($1, $2)', [RELAY_LOCK_CLASS, lockKey(id)]);
}

const COMMAND_COLUMNS = `id, kind, args, requested_by,
  to_char(requested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS requested_at, relay_attempts,
  to_char(relayed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS relayed_at, result, error`;

/**
 * Marks the relay begun, committed before Temporal is asked (so a relay after a crash knows to look for
 * what this one may have done), and returns the command; undefined when it has been relayed meanwhile.
 */
export async function beginRelay(db: Queryable, id: number, relayedBy: string): Promise<HealingCommand | undefined> {
  const { rows } = await db.query<HealingCommand>(
    `UPDATE ruvector.healing_commands
        SET relay_started_at = coalesce(relay_started_at, clock_timestamp()), relay_attempts = relay_attempts + 1,
            relayed_by = $2
      WHERE id = $1 AND relayed_at IS NULL
      RETURNING ${COMMAND_COLUMNS}`,
    [id, relayedBy],
  );
  return rows[0];
}

/** Writes the answer (or the refusal) back and records the command in the audit trail, in the caller's transaction. */
export async function finishRelay(
  tx: Queryable,
  signer: AuditSigner,
  cmd: HealingCommand,
  outcome: { result: unknown; error: string | null },
): Promise<void> {
  await tx.query(
    `UPDATE ruvector.healing_commands SET relayed_at = clock_timestamp(), result = $2, error = $3 WHERE id = $1`,
    [cmd.id, outcome.result === undefined ? null : JSON.stringify(outcome.result), outcome.error],
  );
  const a = cmd.args;
  const strategy = typeof a.strategy === 'string' ? a.strategy : null;
  await appendAudit(tx, signer, [
    {
      actor: cmd.requested_by,
      event: 'sql_command',
      collection: typeof a.collection === 'string' ? a.collection : null,
      action_id: typeof a.action_id === 'number' ? a.action_id : null,
      strategy,
      reversible: strategy === null ? null : strategyReversible(strategy),
      allowed_by: null,
      details: {
        command_id: cmd.id,
        kind: cmd.kind,
        args: cmd.args,
        requested_at: cmd.requested_at,
        result: outcome.result ?? null,
        error: outcome.error,
      },
    },
  ]);
}

/** What became known after the command was relayed (the rollback's end, the guardians it was applied to). */
export async function updateCommandResult(
  db: Queryable,
  id: number,
  result: unknown,
  error: string | null = null,
): Promise<void> {
  await db.query('UPDATE ruvector.healing_commands SET result = $2, error = coalesce($3, error) WHERE id = $1', [
    id,
    JSON.stringify(result),
    error,
  ]);
}

export async function loadCommand(db: Queryable, id: number): Promise<HealingCommand | undefined> {
  const { rows } = await db.query<HealingCommand>(
    `SELECT ${COMMAND_COLUMNS} FROM ruvector.healing_commands WHERE id = $1`,
    [id],
  );
  return rows[0];
}
