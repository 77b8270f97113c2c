/**
 * Balanced k-means for IVF lists: Lloyd iterations from the current centroids, then an assignment
 * that respects a capacity per list, so no list grows far past n / k. Points that lose most by
 * going to their second choice are placed first (regret order). Pure and deterministic.
 */
export type Vector = readonly number[];

export function squaredDistance(a: Vector, b: Vector): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s;
}

function nearest(v: Vector, centroids: Vector[]): number {
  let best = 0;
  let bd = Number.POSITIVE_INFINITY;
  centroids.forEach((c, j) => {
    const d = squaredDistance(v, c);
    if (d < bd) {
      bd = d;
      best = j;
    }
  });
  return best;
}

/** Lloyd iterations; a centroid that loses every point keeps its place. */
export function lloyd(points: Vector[], start: Vector[], iterations: number): Vector[] {
  let centroids = start.map((c) => [...c]);
  const dim = start[0]?.length ?? 0;
  for (let it = 0; it < iterations; it++) {
    const sums = centroids.map(() => new Array<number>(dim).fill(0));
    const counts = centroids.map(() => 0);
    for (const p of points) {
      const j = nearest(p, centroids);
      counts[j]!++;
      for (let d = 0; d < dim; d++) sums[j]![d]! += p[d]!;
    }
    centroids = centroids.map((c, j) => (counts[j]! > 0 ? sums[j]!.map((s) => s / counts[j]!) : c));
  }
  return centroids;
}

/** Assigns each point a list, no list above `capacity` (≥ ceil(n / k)). Returns list indexes by point. */
export function balancedAssign(points: Vector[], centroids: Vector[], capacity: number): number[] {
  const k = centroids.length;
  const cap = Math.max(capacity, Math.ceil(points.length / k));
  const dists = points.map((p) => centroids.map((c) => squaredDistance(p, c)));
  const order = points.map((_, i) => i);
  const regret = (i: number): number => {
    const s = [...dists[i]!].sort((a, b) => a - b);
    return (s[1] ?? s[0]!) - s[0]!;
  };
  const regrets = order.map(regret);
  order.sort((a, b) => regrets[b]! - regrets[a]! || a - b);
  const load = new Array<number>(k).fill(0);
  const out = new Array<number>(points.length).fill(0);
  for (const i of order) {
    const prefs = dists[i]!.map((d, j) => [d, j] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const j = prefs.find(([, j]) => load[j]! < cap)![1];
    load[j]!++;
    out[i] = j;
  }
  return out;
}
