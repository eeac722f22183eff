/**
 * The project's seeded random generator: the probes' permutations and shuffles,
 * the wind-tunnel task sequences and the generated test models all draw from it,
 * so a seed fixes each of them on every machine.
 */

/** A seeded generator (mulberry32) of numbers uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
