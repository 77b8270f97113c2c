import { loadStoredWeights, loadStrategyOutcomes, type StoredWeight } from '../../postgres/effectiveness';
import { STRATEGIES } from '../../strategies/registry';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import { parseSince } from '../durations';
import { percent, recoveryTimeText } from '../recovery-time';
import type { SystemHandles } from '../system-connection';
import { counted } from '../../domain/counted';

/** The weight selection gives a class and strategy no update has weighed yet. */
const PRIOR_WEIGHT = 1;

/**
 * `selfheal effectiveness [--since 30d]`: ruvector_healing_effectiveness. Per strategy, its stored
 * weight for each class it handles and what it did in the window; then all strategies together.
 * It writes nothing.
 */
export async function effectivenessCommand(
  args: ParsedArgs,
  sys: SystemHandles,
  out: (l: string) => void,
): Promise<CommandResult> {
  onlyFlags(args, ['json', 'since']);
  if (args.positionals.length) throw new UsageError('usage: selfheal effectiveness [--since 30d|ISO] [--json]');
  const since = parseSince(String(args.flags.since ?? '30d'));
  const pool = await sys.pool();
  const [{ weights, last }, outcomes] = await Promise.all([loadStoredWeights(pool), loadStrategyOutcomes(pool, since)]);
  const byStrategy = new Map(outcomes.map((o) => [o.strategy_name, o]));
  const weightsOf = new Map<string, StoredWeight[]>();
  for (const w of weights) weightsOf.set(w.strategy_name, [...(weightsOf.get(w.strategy_name) ?? []), w]);
  // Names in the store that this version no longer has still had outcomes and weights: shown after the rest.
  const known = new Set(STRATEGIES.map((s) => s.name));
  const retired = [...new Set([...byStrategy.keys(), ...weightsOf.keys()])].filter((n) => !known.has(n)).sort();

  const strategies = [
    ...STRATEGIES.map((s) => ({ name: s.name, known: true, handles: s.handles as readonly string[] })),
    ...retired.map((name) => ({ name, known: false, handles: [] as readonly string[] })),
  ].map(({ name, known: isKnown, handles }) => {
    const stored = weightsOf.get(name) ?? [];
    const classes = [...new Set([...handles, ...stored.map((w) => w.problem_class)])];
    const o = byStrategy.get(name);
    return {
      strategy: name,
      known: isKnown,
      outcomes: o?.outcomes ?? 0,
      recoveries: o?.recoveries ?? 0,
      success_rate: o ? o.success_rate : null,
      mean_recovery_seconds: o?.mean_seconds ?? null,
      measured_from_start: o?.measured_from_start ?? 0,
      weights: classes.map((problem_class) => {
        const w = stored.find((x) => x.problem_class === problem_class);
        return w
          ? { problem_class, prior: false as const, ...withoutPair(w) }
          : { problem_class, prior: true as const, weight: PRIOR_WEIGHT, computed_at: null };
      }),
    };
  });

  const total = outcomes.reduce((n, o) => n + o.outcomes, 0);
  const recoveries = outcomes.reduce((n, o) => n + o.recoveries, 0);
  const overall = {
    outcomes: total,
    recoveries,
    success_rate: total ? recoveries / total : null,
    // Each strategy's mean weighted by its recoveries: the mean over every recovery.
    mean_recovery_seconds: recoveries
      ? outcomes.reduce((s, o) => s + (o.mean_seconds ?? 0) * o.recoveries, 0) / recoveries
      : null,
    measured_from_start: outcomes.reduce((n, o) => n + o.measured_from_start, 0),
  };

  const ttr = (r: { recoveries: number; mean_recovery_seconds: number | null; measured_from_start: number }) =>
    r.recoveries
      ? `, mean time to recovery ${recoveryTimeText({
          recoveries: r.recoveries,
          mean_seconds: r.mean_recovery_seconds,
          measured_from_start: r.measured_from_start,
        })}`
      : ', none healed';
  const outcomesText = (n: number) => `${n} ${n === 1 ? 'outcome' : 'outcomes'}`;
  out(
    `since ${since.toISOString()}: ${outcomesText(total)}` +
      (total
        ? `, success rate ${percent(overall.success_rate)} (${recoveries} of ${total} completed and verified)` +
          ttr(overall)
        : ''),
  );
  out(
    last === null
      ? `weights: no update yet, every weight is its prior ${PRIOR_WEIGHT}`
      : `weights: last update #${last.id} at ${last.computed_at} (${last.trigger}, ${last.window_days}-day window, ` +
          `${counted(last.outcomes_used, 'outcome')})${last.skipped_reason ? `, skipped: ${last.skipped_reason}` : ''}`,
  );
  for (const s of strategies) {
    out(
      `${s.strategy}${s.known ? '' : ' (not a strategy of this version)'}: ` +
        (s.outcomes
          ? `${outcomesText(s.outcomes)}, success ${percent(s.success_rate)} (${s.recoveries} of ${s.outcomes})` +
            ttr(s)
          : 'no outcomes in the window'),
    );
    for (const w of s.weights)
      out(
        w.prior
          ? `  ${w.problem_class}: prior ${PRIOR_WEIGHT} (no update yet)`
          : `  ${w.problem_class}: weight ${w.weight.toFixed(3)}, computed ${w.computed_at} ` +
              `(from ${counted(w.outcomes, 'outcome')}, ${w.feedback_count} with feedback)`,
      );
  }
  return {
    data: { since: since.toISOString(), overall, last_update: last, strategies },
    exitCode: 0,
  };
}

function withoutPair({ problem_class: _c, strategy_name: _s, ...rest }: StoredWeight) {
  return rest;
}
