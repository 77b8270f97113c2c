import { HEALTHY, type SystemGraph } from './system-graph';

export interface Contraction {
  graph: SystemGraph;
  /** Contracted node id → the original node ids merged into it. */
  members: Map<string, string[]>;
}

const isHealthy = (h: number | undefined): boolean => (h ?? 1) >= HEALTHY;

/**
 * λ is computed on the contracted graph: healthy parts joined by a healthy link merge into one
 * node, so the cut can only fall around a part that has weakened, never between two healthy ones.
 * Edges keep their capacity; edges inside a merged node vanish.
 */
export function contractHealthy(graph: SystemGraph): Contraction {
  const parent = new Map(graph.nodes.map((n) => [n.id, n.id] as const));
  const find = (id: string): string => {
    let r = id;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(id, r);
    return r;
  };
  const healthy = new Set(graph.nodes.filter((n) => isHealthy(n.health)).map((n) => n.id));
  for (const e of graph.edges) {
    if (healthy.has(e.source) && healthy.has(e.target) && isHealthy(e.health)) {
      const a = find(e.source);
      const b = find(e.target);
      if (a !== b) parent.set(b, a);
    }
  }
  const members = new Map<string, string[]>();
  for (const n of graph.nodes) {
    const r = find(n.id);
    members.set(r, [...(members.get(r) ?? []), n.id]);
  }
  const nodes = graph.nodes
    .filter((n) => find(n.id) === n.id)
    .map((n) => {
      const m = members.get(n.id)!;
      return m.length === 1 ? n : { ...n, label: `${n.label} + ${m.length - 1} healthy parts` };
    });
  const edges = graph.edges
    .map((e) => ({ ...e, source: find(e.source), target: find(e.target) }))
    .filter((e) => e.source !== e.target);
  return { graph: { nodes, edges }, members };
}
