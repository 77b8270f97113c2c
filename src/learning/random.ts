/**
 * Randomness as a value: learning code never draws its own, it is handed a `() => number` in [0, 1),
 * so a replayed workflow that hands the same sequence gets the same choice.
 */
export type Random = () => number;

/** A small seeded generator (mulberry32): for benches and tests, and for callers that derive a seed. */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One standard normal draw from two uniforms (Box–Muller); always exactly two calls, so sequences line up. */
export function standardNormal(random: Random): number {
  const u1 = 1 - random();
  const u2 = random();
  return Math.sqrt(-2 * Math.log(u1 > 0 ? u1 : Number.MIN_VALUE)) * Math.cos(2 * Math.PI * u2);
}
