import { Context } from '@temporalio/activity';

/**
 * Holds a mocked activity until the test lets it go: the workflow sits in that activity's phase
 * for as long as the test needs (an abort there, a second message meanwhile).
 *
 * An activity the workflow abandoned (cancelled with TRY_CANCEL, as an abort does) must still end
 * before its workflow closes: the test server keeps time skipping locked while an activity of a
 * closed workflow is outstanding, and every later test of the file would then wait in real time.
 * `done` lets a later mock (the outcome record) wait for it.
 */
export interface Blocker {
  /** Resolves once the blocked activity has begun. */
  readonly started: Promise<void>;
  /** Resolves once the blocked activity has been released and returned. */
  readonly done: Promise<void>;
  release(): void;
  /** Called by the activity: marks it started and waits for release. */
  hold(): Promise<void>;
}

export function blocker(): Blocker {
  let markStarted!: () => void;
  let markDone!: () => void;
  let release!: () => void;
  const started = new Promise<void>((r) => (markStarted = r));
  const done = new Promise<void>((r) => (markDone = r));
  const released = new Promise<void>((r) => (release = r));
  return {
    started,
    done,
    release,
    hold: async () => {
      markStarted();
      await released;
      // After this activity's own return has been handed to the worker.
      setImmediate(markDone);
    },
  };
}

/**
 * An activity that runs until Temporal cancels it: it heartbeats (cancellation arrives with a
 * heartbeat's reply) and ends with the cancellation, as a real strategy step does.
 */
export async function runUntilCancelled(onStart: () => void): Promise<never> {
  const ctx = Context.current();
  onStart();
  const beat = setInterval(() => ctx.heartbeat(), 100);
  try {
    ctx.heartbeat();
    await ctx.cancelled;
    throw new Error('unreachable: Context.cancelled only rejects');
  } finally {
    clearInterval(beat);
  }
}
