import type { GraphEdge, SystemGraph } from './system-graph';

export interface MinCut {
  /** λ: the total capacity of the lightest cut that splits the graph in two. */
  value: number;
  /** Node ids on one side of the cut (the smaller side). */
  side: string[];
  /** The edges that cross the cut: what would break the graph (the witness edges the classifier reads). */
  witnessEdges: GraphEdge[];
}

/**
 * Global minimum cut by Stoer–Wagner, O(V³) on a dense matrix: collections have tens of parts,
 * so the simple form is fast enough and easy to check against brute force.
 * Parallel edges add up; self loops are ignored. Fewer than two nodes: λ = 0 with no witnesses.
 */
export function globalMinCut(graph: SystemGraph): MinCut {
  const ids = graph.nodes.map((n) => n.id);
  const n = ids.length;
  if (n < 2) return { value: 0, side: [], witnessEdges: [] };
  const index = new Map(ids.map((id, i) => [id, i] as const));

  const w: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (const e of graph.edges) {
    const a = index.get(e.source);
    const b = index.get(e.target);
    if (a === undefined || b === undefined)
      throw new Error(`edge ${e.source}–${e.target} names a node not in the graph`);
    if (a === b) continue;
    w[a]![b]! += e.capacity;
    w[b]![a]! += e.capacity;
  }

  // members[v] lists the original nodes merged into super-node v.
  const members: number[][] = ids.map((_, i) => [i]);
  const alive = new Array<boolean>(n).fill(true);
  let best = Number.POSITIVE_INFINITY;
  let bestSide: number[] = [];

  for (let phase = n; phase > 1; phase--) {
    const weight = new Array<number>(n).fill(0);
    const added = new Array<boolean>(n).fill(false);
    let prev = -1;
    let last = -1;
    for (let k = 0; k < phase; k++) {
      let sel = -1;
      for (let v = 0; v < n; v++) {
        if (alive[v] && !added[v] && (sel === -1 || weight[v]! > weight[sel]!)) sel = v;
      }
      added[sel] = true;
      prev = last;
      last = sel;
      for (let v = 0; v < n; v++) if (alive[v] && !added[v]) weight[v]! += w[sel]![v]!;
    }
    // Cut of the phase: `last` alone against everything else.
    const cutOfPhase = weight[last]!;
    if (cutOfPhase < best) {
      best = cutOfPhase;
      bestSide = [...members[last]!];
    }
    // Merge `last` into `prev`.
    members[prev]!.push(...members[last]!);
    alive[last] = false;
    for (let v = 0; v < n; v++) {
      w[prev]![v]! += w[last]![v]!;
      w[v]![prev] = w[prev]![v]!;
    }
    w[prev]![prev] = 0;
  }

  const sideSet = new Set(bestSide.map((i) => ids[i]!));
  const smaller = sideSet.size * 2 <= n ? sideSet : new Set(ids.filter((id) => !sideSet.has(id)));
  const witnessEdges = graph.edges.filter(
    (e) => e.source !== e.target && smaller.has(e.source) !== smaller.has(e.target),
  );
  return { value: best, side: [...smaller].sort(), witnessEdges };
}

/** Capacity of the cut between `side` and the rest: used by tests and by callers that check a witness set. */
export function cutValue(graph: SystemGraph, side: ReadonlySet<string>): number {
  let total = 0;
  for (const e of graph.edges) if (side.has(e.source) !== side.has(e.target)) total += e.capacity;
  return total;
}
