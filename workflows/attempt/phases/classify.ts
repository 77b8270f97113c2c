import { classifyProblem } from '../../../src/classifier/classify-problem';
import type { ProblemClass } from '../../../src/domain/problem-class';
import type { IntegritySample } from '../../../src/sensor/integrity-sample';
import { PROBLEM_CLASS_SA } from '../../../src/domain/search-attributes';
import { enter, setAttribute, type PreparedLedger } from '../attempt-ledger';
import { fmt } from '../describe-failure';

/** Names the problem from the weak witness edges and the parts' measures (pure). */
export function classify(l: PreparedLedger, initial: IntegritySample): ProblemClass {
  enter(
    l,
    'classify',
    `λ = ${fmt(initial.lambda)} of baseline ${fmt(initial.baseline_lambda)} ` +
      `(${initial.state}); ${initial.witness_edges.length} witness edges`,
  );
  const problem = classifyProblem(initial, l.config);
  l.problem = problem;
  l.status.problem = problem;
  setAttribute(l, { key: PROBLEM_CLASS_SA, value: problem.class });
  return problem;
}
