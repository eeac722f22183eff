/**
 * Summary statistics of a two-model comparison, following llama.cpp's
 * perplexity tool in KL-divergence mode (tools/perplexity/perplexity.cpp:
 * `kl_divergence_result` and the "KL divergence statistics" it prints): mean,
 * median and percentiles of the per-position KL, "same top p" (the fraction of
 * positions where both models' most probable token is the same), and Δp = p_B(token) −
 * p_A(token) with its mean, RMS and percentiles. Differences from llama.cpp: bits
 * rather than nats, A's distribution kept whole in float32 log-probabilities
 * (llama.cpp stores it in 16 bits and skips entries below e^-16), and the
 * statistics are given for any number of positions (llama.cpp prints the
 * percentiles from 100 on).
 */
import type { AlignedSpan } from './modelsAlignment';

/** One position where both models saw the same tokens: how far apart their next-token distributions were. */
export interface PositionDivergence {
  /** Index of the document token predicted here (into both analyses' tokens). */
  readonly index: number;
  /** KL(A ‖ B) = Σ_v p_A(v) (log2 p_A(v) − log2 p_B(v)), over the whole vocabulary, bits. */
  readonly klBits: number;
  /** p_A and p_B of the token the document has there. */
  readonly pA: number;
  readonly pB: number;
  /** The most probable token under each model (the lowest id among ties). */
  readonly topA: number;
  readonly topB: number;
}

/** Mean and percentiles of a sample (llama.cpp's interpolation: the value at fraction f of the sorted sample is read at f·(n − 1), linearly between neighbours). */
export interface Distribution {
  readonly mean: number;
  readonly min: number;
  readonly p1: number;
  readonly p5: number;
  readonly p10: number;
  readonly p25: number;
  readonly median: number;
  readonly p75: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

export interface KlSummary {
  readonly positions: number;
  readonly klBits: Distribution;
  /** Fraction of positions whose most probable token is the same under both models. */
  readonly sameTop: number;
  /** Δp = p_B(token) − p_A(token). */
  readonly deltaP: Distribution & { readonly rms: number };
}

export interface SpanSummary {
  readonly spans: number;
  /** Spans with a surprisal under both models. */
  readonly scored: number;
  /** Σ surprisal over the scored spans: the bits each model needs for the same text. */
  readonly bitsA: number;
  readonly bitsB: number;
  /** Δ = surprisal_B − surprisal_A per span, bits. */
  readonly delta: Distribution | null;
  /** |Δ| per span, bits: what the editor paints where the vocabularies differ. */
  readonly absDelta: Distribution | null;
}

/** llama.cpp's percentile of a sorted sample. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return NaN;
  if (fraction <= 0) return sorted[0];
  if (fraction >= 1) return sorted[sorted.length - 1];
  const x = fraction * (sorted.length - 1);
  const i = Math.floor(x);
  const f = x - i;
  return (1 - f) * sorted[i] + f * sorted[Math.min(i + 1, sorted.length - 1)];
}

/** Mean and percentiles of `values`; null for an empty sample. */
export function distribution(values: readonly number[]): Distribution | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  let sum = 0;
  for (const v of values) sum += v;
  const at = (f: number) => percentile(sorted, f);
  return {
    mean: sum / values.length, min: sorted[0], p1: at(0.01), p5: at(0.05), p10: at(0.1), p25: at(0.25), median: at(0.5),
    p75: at(0.75), p90: at(0.9), p95: at(0.95), p99: at(0.99), p999: at(0.999), max: sorted[sorted.length - 1],
  };
}

/** The KL-mode summary of per-position divergences; null when there are none. */
export function summarizeKl(positions: readonly PositionDivergence[]): KlSummary | null {
  const kl = distribution(positions.map((p) => p.klBits));
  const dp = positions.map((p) => p.pB - p.pA);
  const deltaP = distribution(dp);
  if (kl === null || deltaP === null) return null;
  let squares = 0;
  for (const d of dp) squares += d * d;
  return {
    positions: positions.length,
    klBits: kl,
    sameTop: positions.filter((p) => p.topA === p.topB).length / positions.length,
    deltaP: { ...deltaP, rms: Math.sqrt(squares / dp.length) },
  };
}

/** The span summary: bits per model and the distribution of Δ and |Δ| over the scored spans. */
export function summarizeSpans(spans: readonly AlignedSpan[]): SpanSummary {
  const scored = spans.filter((s) => s.deltaBits !== null);
  let bitsA = 0;
  let bitsB = 0;
  for (const s of scored) {
    bitsA += s.surprisalA!;
    bitsB += s.surprisalB!;
  }
  return {
    spans: spans.length, scored: scored.length, bitsA, bitsB,
    delta: distribution(scored.map((s) => s.deltaBits!)),
    absDelta: distribution(scored.map((s) => Math.abs(s.deltaBits!))),
  };
}
