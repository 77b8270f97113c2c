import type { ActionConfig } from '../domain/healing-config';
import type { ProblemClass } from '../domain/problem-class';
import { HEALTHY, type EdgeKind, type GraphEdge } from '../graph/system-graph';
import type { IntegritySample } from '../sensor/integrity-sample';
import type { Witnesses } from '../sensor/sensor-part';
import { DIAGNOSES } from '../sensor/sensor-parts';

export function weakWitnesses(sample: IntegritySample): GraphEdge[] {
  return sample.witness_edges.filter((e) => e.health < HEALTHY);
}

export function summarizeWitnesses(edges: readonly GraphEdge[]): string {
  if (edges.length === 0) return 'no weak witness edges';
  return edges.map((e) => `${e.kind} ${e.source}–${e.target} health ${e.health.toFixed(2)}`).join('; ');
}

function witnessesOf(weak: readonly GraphEdge[]): Witnesses {
  const kinds = new Set(weak.map((e) => e.kind));
  return {
    weak,
    has: (kind) => kinds.has(kind),
    touches: (node: string, only?: readonly EdgeKind[]) =>
      weak.some((e) => (e.source === node || e.target === node) && (!only || only.includes(e.kind))),
  };
}

/**
 * The classifier: the kinds of the weak witness edges name the part that breaks, and the part's
 * measures confirm it. The parts' diagnoses are checked in a fixed order (hot partitions and skewed
 * centroids first, see DIAGNOSES); what no part confirms is Unknown, for a person.
 */
export function classifyProblem(sample: IntegritySample, config: ActionConfig): ProblemClass {
  const weak = weakWitnesses(sample);
  const w = witnessesOf(weak);
  for (const d of DIAGNOSES) {
    if (d.witness && !w.has(d.witness)) continue;
    const problem = d.diagnose(w, sample.stats, config);
    if (problem) return problem;
  }
  return { class: 'Unknown', witness_summary: summarizeWitnesses(weak.length > 0 ? weak : sample.witness_edges) };
}
