import { cutValue, globalMinCut } from '../../src/graph/min-cut';
import { edge, type SystemGraph } from '../../src/graph/system-graph';
import { seededRandom } from '../support/random';

/** The lightest cut over every proper non-empty subset, enumerated by bitmask. */
function bruteForceMinCut(g: SystemGraph): number {
  const ids = g.nodes.map((n) => n.id);
  let best = Number.POSITIVE_INFINITY;
  // Fix the last node outside the side so each cut is counted once.
  for (let mask = 1; mask < 1 << (ids.length - 1); mask++) {
    const side = new Set(ids.filter((_, i) => (mask >> i) & 1));
    best = Math.min(best, cutValue(g, side));
  }
  return best;
}

function randomGraph(rand: () => number): SystemGraph {
  const n = 2 + Math.floor(rand() * 7); // 2..8 nodes
  const nodes = Array.from({ length: n }, (_, i) => ({ id: `n${i}`, kind: 'index' as const, label: `n${i}` }));
  const edges = [];
  const density = rand();
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      if (rand() < density) edges.push(edge(`n${a}`, `n${b}`, 'access', Math.round(rand() * 100) / 10, rand()));
      // Parallel edges must add up.
      if (rand() < 0.1) edges.push(edge(`n${b}`, `n${a}`, 'dependency', 1, rand()));
    }
  }
  return { nodes, edges };
}

describe('globalMinCut (Stoer–Wagner)', () => {
  it('equals brute force on 500 random small weighted graphs, and its witnesses cross its cut', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const g = randomGraph(seededRandom(seed));
      const cut = globalMinCut(g);
      const expected = bruteForceMinCut(g);
      expect({ seed, value: cut.value }).toEqual({ seed, value: expect.closeTo(expected, 9) });

      const side = new Set(cut.side);
      expect(side.size).toBeGreaterThan(0);
      expect(side.size).toBeLessThan(g.nodes.length);
      // The side's cut value is λ, and the witnesses are exactly the edges that cross it.
      expect(cutValue(g, side)).toBeCloseTo(cut.value, 9);
      const crossing = g.edges.filter((e) => side.has(e.source) !== side.has(e.target));
      expect(cut.witnessEdges).toEqual(crossing);
      expect(cut.witnessEdges.reduce((s, e) => s + e.capacity, 0)).toBeCloseTo(cut.value, 9);
    }
  });

  it('is zero for a disconnected graph, with the smaller component as the side', () => {
    const g: SystemGraph = {
      nodes: ['a', 'b', 'c'].map((id) => ({ id, kind: 'table' as const, label: id })),
      edges: [edge('a', 'b', 'access', 5, 1)],
    };
    const cut = globalMinCut(g);
    expect(cut.value).toBe(0);
    expect(cut.side).toEqual(['c']);
    expect(cut.witnessEdges).toEqual([]);
  });

  it('names the weak link: a star whose one spoke lost health is cut there', () => {
    const g: SystemGraph = {
      nodes: ['hub', 'x', 'y', 'z'].map((id) => ({ id, kind: 'table' as const, label: id })),
      edges: [
        edge('hub', 'x', 'access', 1, 1),
        edge('hub', 'y', 'index_link', 1, 0.2),
        edge('hub', 'z', 'access', 1, 1),
      ],
    };
    const cut = globalMinCut(g);
    expect(cut.value).toBeCloseTo(0.2);
    expect(cut.side).toEqual(['y']);
    expect(cut.witnessEdges.map((e) => e.kind)).toEqual(['index_link']);
  });

  it('refuses an edge to a node that is not in the graph', () => {
    expect(() =>
      globalMinCut({
        nodes: [
          { id: 'a', kind: 'table', label: 'a' },
          { id: 'b', kind: 'table', label: 'b' },
        ],
        edges: [edge('a', 'q', 'access', 1, 1)],
      }),
    ).toThrow(/not in the graph/);
  });
});
