import type { ProblemClassName } from '../domain/problem-class';
import type { FaultScope } from '../sensor/sensor-part';
import { DIAGNOSES } from '../sensor/sensor-parts';

export type { FaultScope } from '../sensor/sensor-part';

/** The scope the part that diagnoses the class declares; what no part confirms is the collection's. */
export function faultScope(problem: ProblemClassName): FaultScope {
  return DIAGNOSES.find((d) => d.class === problem)?.scope ?? 'collection';
}
