/** Number formatting shared by the hover, the status bar and the CLI. */

/** Bits with two decimals. */
export function formatBits(bits: number | null): string {
  return bits === null ? '—' : `${bits.toFixed(2)} bits`;
}

/** A probability: fixed for ordinary values, exponent for tiny ones. */
export function formatProbability(p: number | null): string {
  if (p === null) return '—';
  if (p === 0) return '0';
  if (p >= 0.001) return p.toFixed(p >= 0.1 ? 3 : 4);
  return p.toExponential(2);
}

/** A bar of eighth-blocks `width` cells wide for a value in [0, 1]. */
export function bar(fraction: number, width = 10): string {
  const eighths = Math.round(Math.max(0, Math.min(1, fraction)) * width * 8);
  const full = Math.floor(eighths / 8);
  const rest = eighths % 8;
  return '█'.repeat(full) + (rest > 0 ? ' ▏▎▍▌▋▊▉'[rest] : '');
}
