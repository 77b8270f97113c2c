import type { ProblemClassName } from '../domain/problem-class';
import type { AnyDiagnosis } from './sensor-part';
import { connectionSlotsPart } from './parts/connection-slots';
import { indexesPart } from './parts/indexes';
import { lockChainsPart } from './parts/lock-chains';
import { maintenancePart } from './parts/maintenance';
import { partitionsPart } from './parts/partitions';
import { plannerStatisticsPart } from './parts/planner-statistics';
import { replicationSlotsPart } from './parts/replication-slots';
import { runawayQueriesPart } from './parts/runaway-queries';
import { sortMemoryPart } from './parts/sort-memory';
import { standbysPart } from './parts/standbys';
import { xidHorizonPart } from './parts/xid-horizon';

/**
 * Every part the sensor weighs, in the order they are added to the graph. A new part is a file in
 * parts/ and a line here; the compiler then asks for every class a diagnosis.
 */
export const SENSOR_PARTS = [
  maintenancePart,
  indexesPart,
  lockChainsPart,
  runawayQueriesPart,
  connectionSlotsPart,
  xidHorizonPart,
  plannerStatisticsPart,
  sortMemoryPart,
  replicationSlotsPart,
  standbysPart,
  partitionsPart,
] as const;

/** The configuration the parts' health rules weigh with. */
export type PartThresholds = (typeof SENSOR_PARTS)[number]['thresholds'][number];

type Diagnosed = (typeof SENSOR_PARTS)[number]['diagnoses'][number]['class'];
// Unknown is what no part confirms; every other class must be some part's, or this line fails to compile.
const everyClassDiagnosed: [Exclude<ProblemClassName, Diagnosed | 'Unknown'>] extends [never]
  ? true
  : Exclude<ProblemClassName, Diagnosed | 'Unknown'> = true;
void everyClassDiagnosed;

/**
 * Every part's diagnoses, in the order of checks: hot partitions, skewed centroids, replication lag, maintenance
 * contention, memory pressure, index fragmentation, then the classes added after them.
 */
export const DIAGNOSES: readonly AnyDiagnosis[] = SENSOR_PARTS.flatMap(
  (p): readonly AnyDiagnosis[] => p.diagnoses,
).sort((a, b) => a.precedence - b.precedence);
