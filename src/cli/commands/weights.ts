import { ScheduleNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { problemClassNameSchema } from '../../domain/problem-class';
import { updateWeightsScheduleId } from '../../domain/workflow-ids';
import { loadStoredWeights, type StoredWeights } from '../../postgres/learned-weights';
import { STRATEGIES } from '../../strategies/registry';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import { RefusedError } from '../errors';
import type { SystemHandles } from '../system-connection';
import { counted } from '../../domain/counted';

const USAGE = 'usage: selfheal weights [--class ProblemClass] [--update-now] [--json]';
const argsSchema = z.object({ class: problemClassNameSchema.optional(), update_now: z.boolean() });

/** How long `--update-now` waits for the run it triggered to store its update. */
const UPDATE_WAIT_MS = 60_000;

/**
 * `selfheal weights`: what the update-weights Schedule learned, per class and strategy, and when;
 * `--update-now` triggers the Schedule (as the Temporal UI's "Trigger" does) and shows the result.
 */
export async function weightsCommand(
  args: ParsedArgs,
  sys: SystemHandles,
  out: (l: string) => void,
): Promise<CommandResult> {
  onlyFlags(args, ['json', 'class', 'update-now']);
  if (args.positionals.length) throw new UsageError(USAGE);
  const parsed = argsSchema.safeParse({
    class: args.flags.class === undefined ? undefined : String(args.flags.class),
    update_now: args.flags['update-now'] === true,
  });
  if (!parsed.success)
    throw new UsageError(`--class must be one of ${problemClassNameSchema.options.join(', ')}\n${USAGE}`);
  const a = parsed.data;
  const pool = await sys.pool();
  let stored = await loadStoredWeights(pool, a.class);
  if (a.update_now) {
    const before = stored.last_update?.id ?? 0;
    const scheduleId = updateWeightsScheduleId(await sys.database());
    const handle = (await sys.temporal()).schedule.getHandle(scheduleId);
    try {
      const d = await handle.describe();
      if (d.state.paused)
        out(
          `note: Schedule ${scheduleId} is paused (${d.state.note ?? 'no note'}); this run is triggered all the same`,
        );
      await handle.trigger();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError)
        throw new RefusedError(
          `no Schedule ${scheduleId}: a selfheal worker creates it when it starts; start one (\`npm start\` or ` +
            '`selfheal worker`)',
        );
      throw err;
    }
    out(`triggered Schedule ${scheduleId}; waiting for its update…`);
    const deadline = Date.now() + UPDATE_WAIT_MS;
    while ((stored.last_update?.id ?? 0) <= before) {
      if (Date.now() > deadline)
        throw new RefusedError(
          `the update did not finish within ${UPDATE_WAIT_MS / 1000} s: see Schedule ${scheduleId} in the Temporal ` +
            'UI (is a worker running on its task queue?)',
        );
      await new Promise((r) => setTimeout(r, 500));
      stored = await loadStoredWeights(pool, a.class);
    }
  }
  for (const line of describeWeights(stored, a.class)) out(line);
  return { data: stored, exitCode: 0 };
}

function describeWeights(s: StoredWeights, only: string | undefined): string[] {
  const lines: string[] = [];
  const u = s.last_update;
  if (!u) lines.push('no update yet: every strategy has its prior weight 1 (the Schedule runs hourly)');
  else if (u.skipped_reason)
    lines.push(
      `last update #${u.id} at ${u.computed_at} (${u.trigger}): weights left as they were: ${u.skipped_reason}`,
    );
  else
    lines.push(
      `last update #${u.id} at ${u.computed_at} (${u.trigger}): ${counted(u.outcomes_used, 'outcome')} of the last ` +
        `${counted(u.window_days, 'day')}`,
    );
  const classes = [...new Set(STRATEGIES.flatMap((st) => st.handles))].filter((c) => !only || c === only).sort();
  for (const c of classes) {
    lines.push(`${c}:`);
    for (const st of STRATEGIES.filter((x) => x.handles.includes(c))) {
      const w = s.weights.find((x) => x.problem_class === c && x.strategy_name === st.name);
      lines.push(
        w
          ? `  ${st.name.padEnd(24)} weight ${w.weight.toFixed(3)}  success ${(w.success_rate * 100).toFixed(0)} %, ` +
              `avg improvement ${(w.avg_improvement * 100).toFixed(1)} %, ${counted(w.outcomes, 'outcome')}` +
              `${w.feedback_count ? `, ${w.feedback_count} with feedback` : ''} (computed ${w.computed_at})`
          : `  ${st.name.padEnd(24)} weight 1 (prior: no outcomes in the window)`,
      );
    }
  }
  for (const r of s.resets)
    lines.push(
      `reset ${r.reset_at}: ${r.strategy_name} for ${r.problem_class} learns again from its prior: ${r.reason}`,
    );
  return lines;
}
