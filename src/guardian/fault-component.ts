import { z } from 'zod';
import { problemClassSchema, type ProblemClass } from '../domain/problem-class';
import { graphEdgeSchema, type GraphEdge } from '../graph/system-graph';
import { WORKLOAD } from '../sensor/sensor-part';
import { faultScope } from './fault-scope';

/** The kinds of part a fault can be on. */
export type ComponentKind =
  | 'partition'
  | 'centroid'
  | 'standby'
  | 'maintenance'
  | 'index'
  | 'role'
  | 'table'
  | 'relation'
  | 'connection slots'
  | 'slot'
  | 'part';

/** What a fault was on: the part a person would name when telling two occurrences of a class apart. */
export interface FaultComponent {
  kind: ComponentKind;
  /** Which one, when the problem names it. */
  name: string | null;
  /** The collection it belongs to; null for a server's part, which every collection on the server shares. */
  collection: string | null;
}

/** "index demo_pkey in demo", "role app (server)": one text per component, also its grouping key. */
export function componentLabel(c: FaultComponent): string {
  const what = c.name === null ? c.kind : `${c.kind} ${c.name}`;
  return c.collection === null ? `${what} (server)` : `${what} in ${c.collection}`;
}

/**
 * The part a classified fault was on. The first of each list is taken: the sensor orders them worst
 * first (hottest partition, most fragmented index), and that one is what the strategy mostly acts on.
 * Pids are left out, since a session's pid names nothing once it ends: lock chains and runaway
 * statements are faults of the table, lag of the standby by its application name.
 */
export function faultComponent(
  problem: ProblemClass,
  collection: string,
  witnesses: readonly GraphEdge[] = [],
): FaultComponent {
  const on = (kind: ComponentKind, name: string | null | undefined): FaultComponent => ({
    kind,
    name: name ?? null,
    // A server's fault is the same fault whichever collection saw it first.
    collection: faultScope(problem.class) === 'server' ? null : collection,
  });
  switch (problem.class) {
    case 'HotspotCongestion':
      return on('partition', problem.partition_names[0] ?? idText(problem.partition_ids[0]));
    case 'CentroidSkew':
      return on('centroid', idText(problem.centroid_ids[0]));
    case 'ReplicationLag':
      return on('standby', problem.replica_names[0] ?? null);
    case 'MaintenanceContention':
      return on('maintenance', problem.job_types.length ? [...new Set(problem.job_types)].sort().join('+') : null);
    case 'IndexFragmentation':
    case 'InvalidIndex':
      return on('index', problem.index_names[0] ?? idText(problem.index_ids[0]));
    case 'MemoryPressure':
      // Consumers read "role: statement"; the role is what tune_work_mem changes.
      return on('role', roleOf(problem.largest_consumers[0]?.[0]));
    case 'BlockingChain':
    case 'RunawayQuery':
      return on('table', null);
    case 'ConnectionExhaustion':
      return problem.top_roles[0] ? on('role', problem.top_roles[0][0]) : on('connection slots', null);
    case 'WraparoundRisk':
    case 'StaleStatistics':
      return on('relation', problem.relations[0] ?? null);
    case 'SlotRetention':
      return on('slot', problem.slot_names[0] ?? null);
    case 'Unknown':
      return on('part', weakestPart(witnesses));
    default:
      return unreachable(problem);
  }
}

/**
 * The component of a stored outcome, whose problem_details and witness_edges are JSON written by
 * whichever version recorded it: what no longer parses is the collection's table, not an error.
 */
export function storedFaultComponent(
  problemDetails: unknown,
  witnessEdges: unknown,
  collection: string,
): FaultComponent {
  const problem = problemClassSchema.safeParse(problemDetails);
  if (!problem.success) return { kind: 'table', name: null, collection };
  const edges = z.array(graphEdgeSchema).safeParse(witnessEdges ?? []);
  return faultComponent(problem.data, collection, edges.success ? edges.data : []);
}

function idText(id: number | undefined): string | null {
  return id === undefined ? null : String(id);
}

function roleOf(consumer: string | undefined): string | null {
  if (consumer === undefined) return null;
  const colon = consumer.indexOf(': ');
  return colon > 0 ? consumer.slice(0, colon) : consumer;
}

/** The weakest witness edge's end that is not the clients or the table, which every part hangs between. */
function weakestPart(witnesses: readonly GraphEdge[]): string | null {
  const weakest = [...witnesses].sort((a, b) => a.health - b.health)[0];
  if (!weakest) return null;
  const isHub = (id: string) => id === WORKLOAD || id.startsWith('table:');
  return [weakest.source, weakest.target].find((id) => !isHub(id)) ?? null;
}

function unreachable(p: never): never {
  throw new Error(`no component rule for ${JSON.stringify(p)}`);
}
