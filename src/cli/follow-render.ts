import { describeProgress, progressFraction, type StrategyProgress } from '../domain/strategy-progress';

/** What one look at a running attempt saw: its status query and its pending activity's heartbeat. */
export interface FollowSnapshot {
  attempt_id: number | null;
  /** Every phase entered so far, in order. */
  phases: { phase: string; at: string }[];
  /** The activity running now, with its last heartbeat's progress when it reports one. */
  activity: { name: string; attempt: number; progress: StrategyProgress | null } | null;
}

/** What to print for a snapshot: lines that stay, and on a terminal one status line redrawn in place. */
export interface FollowOutput {
  lines: string[];
  status: string | null;
}

const BAR_WIDTH = 20;

/** `[#####---------------]  25 %`: the share done, or null when the step does not count its work. */
export function progressBar(p: StrategyProgress, width = BAR_WIDTH): string | null {
  const f = progressFraction(p);
  if (f === null) return null;
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${String(Math.round(f * 100)).padStart(3)} %`;
}

function phaseLine(phase: string, attemptId: number | null): string {
  return (
    `  phase: ${phase}` +
    `${phase === 'approval' && attemptId !== null ? ` (action ${attemptId}: selfheal approve ${attemptId})` : ''}`
  );
}

function fit(s: string, columns: number): string {
  return s.length <= columns ? s : `${s.slice(0, Math.max(0, columns - 1))}…`;
}

/**
 * Turns snapshots into output. Every phase is printed once, in order, even one entered and left
 * between two looks. On a terminal the running step's progress is one status line with a bar,
 * redrawn in place; otherwise each change of it is a plain `progress:` line, so a log shows it too.
 */
export function createFollowRenderer(o: { tty: boolean; columns?: number }) {
  const columns = o.columns ?? 100;
  let phasesPrinted = 0;
  let lastProgress: string | null = null;
  return {
    update(s: FollowSnapshot): FollowOutput {
      const lines = s.phases.slice(phasesPrinted).map((p) => phaseLine(p.phase, s.attempt_id));
      phasesPrinted = Math.max(phasesPrinted, s.phases.length);
      const p = s.activity?.progress ?? null;
      const retry = s.activity && s.activity.attempt > 1 ? ` (try ${s.activity.attempt})` : '';
      if (!o.tty) {
        const text = p ? `  progress: ${describeProgress(p)}${retry}` : null;
        if (text && text !== lastProgress) lines.push(text);
        if (text) lastProgress = text;
        return { lines, status: null };
      }
      if (!s.activity) return { lines, status: null };
      const bar = p ? progressBar(p) : null;
      const what = p ? describeProgress(p) : `running ${s.activity.name}`;
      return { lines, status: fit(`  ${bar ? `${bar} ` : ''}${what}${retry}`, columns) };
    },
  };
}
