import { patched } from '@temporalio/workflow';
import type { StrategyStepInput } from '../../../activities';
import { quickOptions } from '../../activity-options';
import { actionConfigOf } from '../../../src/domain/healing-config';
import type { ProblemClass } from '../../../src/domain/problem-class';
import type { StrategyDescriptor } from '../../../src/domain/strategy-descriptor';
import type { IntegritySample } from '../../../src/sensor/integrity-sample';
import { kindRefusalReason, selectStrategy, strategyByName } from '../../../src/strategies/registry';
import { strategyParamsProblem } from '../../../src/strategies/strategy-params';
import { STRATEGY_SA } from '../../../src/domain/search-attributes';
import { acts } from '../attempt-activities';
import { refOf } from '../collection-ref';
import {
  deferred,
  enter,
  flushAttributes,
  setAttribute,
  type Chosen,
  type EarlyEnd,
  type PreparedLedger,
} from '../attempt-ledger';
import { APPROVE_ABOVE_IMPACT_CAP_PATCH, CONTEXTUAL_SELECTION_PATCH, VALIDATE_PARAMS_PATCH } from '../attempt-patches';
import { chooseLearned, manualSelection } from './choose-learned';

/** The learned choice for the class, or the strategy a person asked for, checked against the collection. */
export async function select(
  l: PreparedLedger,
  problem: ProblemClass,
  initial: IntegritySample,
): Promise<Chosen | EarlyEnd> {
  const { input, config } = l;
  enter(
    l,
    'select',
    input.strategy ? `manual execution of ${input.strategy}` : `choosing a strategy for ${problem.class}`,
  );
  const choose = (strategy: StrategyDescriptor): Chosen => {
    const step: StrategyStepInput = {
      strategy: strategy.name,
      collection: input.collection,
      ...refOf(l),
      problem,
      state: initial.state,
      config: actionConfigOf(config),
      ...(input.strategy && input.params && Object.keys(input.params).length > 0 ? { params: input.params } : {}),
    };
    return (l.chosen = { strategy, step });
  };
  let chosen: Chosen;
  if (input.strategy) {
    const named = strategyByName(input.strategy);
    if (!named) return deferred(`no strategy named ${input.strategy}`);
    chosen = choose(named);
    const refusal = kindRefusalReason(named, l.prepared.kind ?? null, problem.class);
    if (refusal) return deferred(refusal);
    if (!named.handles.includes(problem.class))
      return deferred(`${named.name} handles ${named.handles.join(', ')}, but the problem now is ${problem.class}`);
    // The guardian's validator refuses bad parameters; an attempt started otherwise is refused here.
    const bad = strategyParamsProblem(named.name, input.params);
    if (bad && patched(VALIDATE_PARAMS_PATCH)) return deferred(`invalid parameters: ${bad}`);
    if (patched(CONTEXTUAL_SELECTION_PATCH)) await manualSelection(l, problem, initial, named.name);
  } else if (input.params && Object.keys(input.params).length > 0 && patched(VALIDATE_PARAMS_PATCH)) {
    return deferred('parameters are for a manual execution of a named strategy only');
  } else if (patched(CONTEXTUAL_SELECTION_PATCH)) {
    const learned = await chooseLearned(l, problem, initial);
    if ('end' in learned) return learned;
    chosen = choose(learned);
  } else {
    flushAttributes(l);
    const weights = await acts.loadStrategyWeights.executeWithOptions(
      { ...quickOptions, summary: 'select: load learned strategy weights' },
      [{ days: 30, learning_enabled: config.learning_enabled }],
    );
    const selection = selectStrategy(problem.class, config, weights, l.prepared.kind ?? null);
    // Above the impact cap it waits for a person (approval); attempts begun before that ended NoStrategy.
    const approveAboveCap = selection.above_impact_cap ? patched(APPROVE_ABOVE_IMPACT_CAP_PATCH) : true;
    const strategy = approveAboveCap ? selection.strategy : null;
    if (!strategy) {
      const why = selection.considered.map((c) => `${c.name}: ${c.reason}`).join('; ');
      return {
        end: 'NoStrategy',
        reason: `no strategy may act on ${problem.class} here${why ? ` (${why})` : ''}: it needs a person`,
      };
    }
    chosen = choose(strategy);
  }
  l.status.strategy = chosen.strategy.name;
  setAttribute(l, { key: STRATEGY_SA, value: chosen.strategy.name });
  return chosen;
}
