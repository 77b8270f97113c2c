import type { Client } from '@temporalio/client';
import type { HealingOutcome } from '../domain/healing-outcome';
import { parseProgress } from '../domain/strategy-progress';
import { attemptStatusQuery } from '../../workflows/attempt-messages';
import type { healingAttempt } from '../../workflows/healing-attempt';
import { createFollowRenderer, type FollowOutput, type FollowSnapshot } from './follow-render';

/** Where follow writes: whole lines, and on a terminal a status line it redraws (null clears it). */
export interface FollowSink {
  line(text: string): void;
  status(text: string | null): void;
}

/** Plain lines through the command's output; the status line is a terminal's only. */
export function lineSink(out: (l: string) => void): FollowSink {
  return { line: out, status: () => undefined };
}

/** A terminal: each line clears the status line first, and the status line is drawn after them. */
export function terminalSink(write: (chunk: string) => void): FollowSink {
  const clear = '\r\x1b[2K';
  let shown = false;
  return {
    line(text) {
      write(`${shown ? clear : ''}${text}\n`);
      shown = false;
    },
    status(text) {
      if (text === null) {
        if (shown) write(clear);
        shown = false;
        return;
      }
      write(`${clear}${text}`);
      shown = true;
    },
  };
}

const POLL_MS = 500;

/**
 * One look at the attempt: its status query (every phase entered so far) and, from describe, the
 * activity it runs now with its last heartbeat, decoded as progress when it is one.
 */
async function look(client: Client, workflowId: string, runId: string): Promise<FollowSnapshot> {
  const handle = client.workflow.getHandle<typeof healingAttempt>(workflowId, runId);
  const [status, desc] = await Promise.all([handle.query(attemptStatusQuery), handle.describe()]);
  const converter = client.options.loadedDataConverter.payloadConverter;
  const pending = (desc.raw.pendingActivities ?? []).map((a) => {
    const first = a.heartbeatDetails?.payloads?.[0];
    let details: unknown = null;
    try {
      details = first ? converter.fromPayload(first) : null;
    } catch {
      // Not ours to read (another converter): shown without progress.
    }
    return { name: a.activityType?.name ?? 'activity', attempt: a.attempt ?? 1, progress: parseProgress(details) };
  });
  return {
    attempt_id: status.attempt_id,
    phases: status.phases,
    activity: pending.find((a) => a.progress) ?? pending[0] ?? null,
  };
}

/**
 * Follows a running attempt until it ends: its phases as they are entered and the progress its
 * strategy heartbeats (REINDEX phase and blocks, rows moved, replicas ready). Returns its outcome;
 * a look that fails (the attempt closing meanwhile) is skipped, not fatal.
 */
export async function followAttempt(
  client: Client,
  workflowId: string,
  runId: string,
  sink: FollowSink,
  opts: { tty: boolean; columns?: number; pollMs?: number },
): Promise<HealingOutcome> {
  const renderer = createFollowRenderer({ tty: opts.tty, ...(opts.columns ? { columns: opts.columns } : {}) });
  const show = (o: FollowOutput) => {
    for (const l of o.lines) sink.line(l);
    sink.status(o.status);
  };
  const handle = client.workflow.getHandle<typeof healingAttempt>(workflowId, runId);
  let ended = false;
  const result = handle.result();
  const settled = result.then(
    () => void (ended = true),
    () => void (ended = true),
  );
  try {
    while (!ended) {
      const s = await look(client, workflowId, runId).catch(() => null);
      if (s) show(renderer.update(s));
      await Promise.race([settled, new Promise((r) => setTimeout(r, opts.pollMs ?? POLL_MS))]);
    }
    // The last phases (record, done) were entered after the last look.
    const last = await look(client, workflowId, runId).catch(() => null);
    if (last) show(renderer.update({ ...last, activity: null }));
  } finally {
    sink.status(null);
  }
  return result;
}

/** One line for how the attempt ended. */
export function describeOutcome(o: HealingOutcome): string {
  switch (o.kind) {
    case 'Completed': {
      // Verified means better and never worse; it is healed only once the state is normal again.
      const still = o.final_state && o.final_state !== 'normal' ? `improved, still ${o.final_state}` : 'healed';
      return (
        `${o.verified ? still : 'not healed'}: ${o.problem.class} → ${o.strategy}; λ ` +
        `${o.initial_lambda.toFixed(3)} → ${o.final_lambda?.toFixed(3) ?? '?'}` +
        `${o.compensated ? ' (compensated)' : ''}${o.result.error ? `; ${o.result.error}` : ''}` +
        `${o.temporary_until ? `; temporary: the previous setting is restored at ${o.temporary_until}` : ''}`
      );
    }
    case 'Deferred':
      return `deferred: ${o.reason}`;
    case 'NoStrategy':
      return `no strategy for ${o.problem.class}`;
    case 'Aborted':
      return `${o.reason}${o.compensated ? '; compensated' : ''}`;
    case 'DryRun':
      return o.reason;
  }
}
