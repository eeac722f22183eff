/**
 * How the model is evaluated. `exact` (the default): flash attention off and an
 * F32 KV cache, within 1e-3 bits of a float64 reference. `fast`: llama.cpp's
 * fastest CPU settings, flash attention on and an F16 KV cache (its kernel casts
 * K and V to F16), still edit-stable but a little off the reference.
 */
export type Precision = 'exact' | 'fast';

export const PRECISIONS: readonly Precision[] = ['exact', 'fast'];

/**
 * The most that fast evaluation moves a surprisal or an entropy, in bits, against
 * the exact float64 reference, and the most it moves them on average over a
 * text: the bounds test/unit/model/fastPrecision.test.ts asserts on the tiny
 * model, two real BPE vocabularies (49k, 152k) and the 135M-parameter benchmark
 * shape. Measured: at most 0.02 (tiny shape, 49k) to 0.20 bits (152k), 0.001 to
 * 0.04 on average; docs/runtime.md has the figures per preset.
 */
export const FAST_PRECISION_BITS = 0.3;
export const FAST_PRECISION_MEAN_BITS = 0.05;

/** What the user is told when the numbers come from fast evaluation; null when exact. */
export function precisionNote(precision: Precision): string | null {
  return precision === 'fast' ? `fast evaluation (flash attention, F16 cache): numbers within ≈ ${FAST_PRECISION_BITS} bits of exact` : null;
}
