/**
 * When an effect in bits counts: changes within a tolerance (0.1 bits by
 * default, the wind-tunnel pass line) are reported as no measurable effect,
 * never as "helps" or "hurts".
 */

/** Effects within ± this many bits are no measurable effect unless a setting says otherwise. */
export const DEFAULT_TOLERANCE_BITS = 0.1;

/** How an effect in bits reads against the tolerance. */
export type EffectClass = 'helps' | 'hurts' | 'none';

/**
 * Leave-one-out effect of an example from Δ = log2 P(without) − log2 P(with):
 * "helps" when removing it costs more than the tolerance, "hurts" when
 * removing it gains more, else no measurable effect.
 */
export function looEffect(deltaBits: number | null, toleranceBits: number): EffectClass | null {
  if (deltaBits === null) return null;
  if (Math.abs(deltaBits) <= toleranceBits) return 'none';
  return deltaBits < 0 ? 'helps' : 'hurts';
}
