import { setCurrentDetails } from '@temporalio/workflow';
import type { ProblemClass } from '../../../src/domain/problem-class';
import type { StrategyDescriptor } from '../../../src/domain/strategy-descriptor';
import { chooseStrategy } from '../../../src/learning/choose-strategy';
import { selectionContextOf, type SelectionContext } from '../../../src/learning/selection-context';
import type { IntegritySample } from '../../../src/sensor/integrity-sample';
import { needsApproval, selectStrategy, strategyByName } from '../../../src/strategies/registry';
import { quickOptions } from '../../activity-options';
import type { LearnedSelection } from '../../../activities';
import { acts } from '../attempt-activities';
import { flushAttributes, type EarlyEnd, type PreparedLedger } from '../attempt-ledger';

/**
 * The learned choice among the strategies that may act by themselves: the class's stored weights
 * and models, the attempt's context, a Thompson draw that never falls below the weight rule's pick
 * by more than `selection_margin`. Exploration never goes past a person: above the impact cap, or
 * when the rule's pick needs approval, the rule's pick stands; the sandbox tests whatever is chosen.
 */
export async function chooseLearned(
  l: PreparedLedger,
  problem: ProblemClass,
  initial: IntegritySample,
): Promise<StrategyDescriptor | EarlyEnd> {
  const { config } = l;
  const { learned, context } = await learnedContext(l, problem, initial);
  const weights = Object.fromEntries(learned.seed.map((w) => [w.strategy_name, w.weight]));
  const rule = selectStrategy(problem.class, config, weights, l.prepared.kind ?? null);
  if (!rule.strategy) {
    const why = rule.considered.map((c) => `${c.name}: ${c.reason}`).join('; ');
    return {
      end: 'NoStrategy',
      reason: `no strategy may act on ${problem.class} here${why ? ` (${why})` : ''}: it needs a person`,
    };
  }
  const ruleNeedsPerson = rule.above_impact_cap || needsApproval(rule.strategy, problem.class, config);
  const candidates = ruleNeedsPerson
    ? [rule.strategy.name]
    : rule.considered
        .filter((c) => c.eligible && !needsApproval(strategyByName(c.name)!, problem.class, config))
        .map((c) => c.name);
  const choice = chooseStrategy({
    problem,
    candidates,
    context,
    // Learning off for this collection: the stored weights decide, nothing is explored.
    model: config.learning_enabled ? learned.model : null,
    seed: learned.seed,
    margin: config.selection_margin,
    // Temporal seeds the workflow's Math.random per run: a replay draws the same numbers.
    random: Math.random,
  });
  const why = ruleNeedsPerson ? `${choice.why} (the rule's pick waits for a person: nothing explored)` : choice.why;
  l.selection = { context, ...choice, why, weights_computed_at: learned.computed_at };
  setCurrentDetails(`**select** — ${why}`);
  return strategyByName(choice.strategy)!;
}

/**
 * What was learned about the class, and the attempt's context: a person's choice records the
 * context too, so its outcome teaches the model as much as a learned choice's.
 */
export async function learnedContext(
  l: PreparedLedger,
  problem: ProblemClass,
  initial: IntegritySample,
): Promise<{ learned: LearnedSelection; context: SelectionContext }> {
  flushAttributes(l);
  const learned = await acts.loadLearnedSelection.executeWithOptions(
    { ...quickOptions, summary: `select: what was learned about ${problem.class}` },
    [
      {
        problem_class: problem.class,
        collection_id: l.prepared.collection_id,
        table_oid: l.prepared.collection?.table_oid ?? null,
      },
    ],
  );
  const context = selectionContextOf({
    lambda: initial.lambda,
    baseline_lambda: initial.baseline_lambda,
    critical: initial.state === 'critical',
    table_bytes: learned.table_bytes,
    problem,
    detected_at: l.input.detected_at ?? null,
    now: new Date().toISOString(),
    attempts_so_far: learned.attempts_so_far,
  });
  return { learned, context };
}

/** A person named the strategy: recorded with the context it ran in, nothing compared. */
export async function manualSelection(
  l: PreparedLedger,
  problem: ProblemClass,
  initial: IntegritySample,
  strategy: string,
): Promise<void> {
  const { learned, context } = await learnedContext(l, problem, initial);
  l.selection = {
    context,
    strategy,
    rule: 'manual',
    estimates: [],
    why: `manual: a person chose ${strategy}`,
    weights_computed_at: learned.computed_at,
  };
}
