import type { ActionConfig } from '../domain/healing-config';
import type { ProblemClass, ProblemClassName, ProblemOf } from '../domain/problem-class';
import { edge, type EdgeKind, type GraphEdge, type GraphNode } from '../graph/system-graph';
import type { CollectionStats } from './collection-stats';

/**
 * Where a fault lives. A collection's own fault is healed on that collection; a server's (its
 * connection slots, replication slots, standbys, a role's sort memory) shows in every collection
 * of the server, and is healed by one attempt, whatever the number of collections that see it.
 */
export type FaultScope = 'collection' | 'server';

/** The client sessions every part serves, and the table every part hangs off. */
export const WORKLOAD = 'workload';
export const tableNode = (oid: number): string => `table:${oid}`;

/** A collection's graph as the parts add to it; client sessions and the table are there already. */
export interface GraphDraft {
  readonly nodes: GraphNode[];
  readonly edges: GraphEdge[];
  /** The table's node id. */
  readonly table: string;
}

/**
 * A part standing between clients and the table (lock chains, connection slots, …): one node,
 * linked to both, whose health weakens both links so that the min cut isolates it.
 */
export function addBetween(g: GraphDraft, node: Omit<GraphNode, 'health'>, kind: EdgeKind, health: number): void {
  g.nodes.push({ ...node, health });
  g.edges.push(edge(WORKLOAD, node.id, kind, 1, health), edge(node.id, g.table, kind, 1, health));
}

/** What the weak witness edges of a sample say, for a part to recognise itself in them. */
export interface Witnesses {
  readonly weak: readonly GraphEdge[];
  /** Whether any weak witness is of this kind. */
  has(kind: EdgeKind): boolean;
  /** Whether a weak witness (of one of `kinds`, of any kind when omitted) touches the node. */
  touches(node: string, kinds?: readonly EdgeKind[]): boolean;
}

/** One problem class a part's weak witnesses mean. */
export interface Diagnosis<N extends ProblemClassName = ProblemClassName> {
  readonly class: N;
  readonly scope: FaultScope;
  /**
   * The kind of weak witness edge that means this class: without one, the class is not checked at
   * all (nor its measures read: a sample recorded by an older version may lack them). Absent when
   * the diagnosis reads the witnesses itself.
   */
  readonly witness?: EdgeKind;
  /** Place in the order of checks, lowest first: the first class that confirms itself is the problem. */
  readonly precedence: number;
  /** The class with its metrics when the measures (and the witnesses) confirm it; null when they do not. */
  diagnose(w: Witnesses, stats: CollectionStats, config: ActionConfig): ProblemOf<N> | null;
}

/** Any diagnosis, as the classifier holds them. */
export interface AnyDiagnosis {
  readonly class: ProblemClassName;
  readonly scope: FaultScope;
  readonly witness?: EdgeKind;
  readonly precedence: number;
  diagnose(w: Witnesses, stats: CollectionStats, config: ActionConfig): ProblemClass | null;
}

/**
 * One part of what the sensor weighs: which fields of the sample its batched probe fills, the
 * settings its health rule uses, what it adds to the graph, and the classes its weak witnesses
 * mean. The graph builder and the classifier loop over the parts (src/sensor/sensor-parts.ts).
 */
export interface SensorPart<
  K extends keyof ActionConfig = keyof ActionConfig,
  D extends readonly AnyDiagnosis[] = readonly AnyDiagnosis[],
> {
  readonly name: string;
  /** The sample's fields the part reads, filled by the batched pass (src/probes/sample-database.ts). */
  readonly reads: readonly (keyof CollectionStats)[];
  /** The settings its health rule weighs with: all it may see of the configuration. */
  readonly thresholds: readonly K[];
  contribute(g: GraphDraft, stats: CollectionStats, settings: Pick<ActionConfig, K>): void;
  readonly diagnoses: D;
}

/** Keeps a part's settings and the literal classes of its diagnoses in its type. */
export function definePart<K extends keyof ActionConfig, const D extends readonly AnyDiagnosis[]>(
  part: SensorPart<K, D>,
): SensorPart<K, D> {
  return part;
}

export function diagnosis<N extends ProblemClassName>(d: Diagnosis<N>): Diagnosis<N> {
  return d;
}
