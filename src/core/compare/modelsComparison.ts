/**
 * A prompt under two models: both heatmaps, and per token how far the two
 * next-token distributions are apart. Where the models share a vocabulary
 * (the same token text for every id) and tokenize the text into the same
 * tokens, that is KL(A ‖ B) over the whole vocabulary at each token; otherwise
 * the difference in surprisal over aligned spans (modelsAlignment.ts).
 */
import type { Analysis } from '../analysis';
import { alignTokenizations, type AlignedSpan } from './modelsAlignment';
import { summarizeKl, summarizeSpans, type KlSummary, type PositionDivergence, type SpanSummary } from './modelsSummary';

/** One painted range and its bits: KL(A ‖ B) of a token, or |Δ surprisal| of an aligned span. */
export interface ComparisonCell {
  readonly start: number;
  readonly end: number;
  readonly bits: number;
}

export interface ModelComparison {
  /** The model in use (A) and the one compared with it (B), each with its own heatmap. */
  readonly a: Analysis;
  readonly b: Analysis;
  /** `kl`: per-token KL over the shared vocabulary; `spans`: Δ surprisal over aligned spans. */
  readonly mode: 'kl' | 'spans';
  /** Why the comparison is in this mode, in words. */
  readonly vocabulary: string;
  /** How the two models were held in memory, in words. */
  readonly memory: string;
  /** KL mode: one entry per token that has a distribution before it (index into both analyses' tokens). */
  readonly positions: readonly PositionDivergence[];
  /** The aligned spans (in KL mode they are the tokens themselves). */
  readonly spans: readonly AlignedSpan[];
  /** What the editor paints. */
  readonly cells: readonly ComparisonCell[];
  readonly summary: { readonly kl: KlSummary | null; readonly spans: SpanSummary };
}

/** The comparison of two analyses of the same text, with the KL positions when the models share a vocabulary. */
export function buildComparison(
  a: Analysis, b: Analysis, divergence: { readonly positions: readonly PositionDivergence[] } | { readonly reason: string }, memory: string,
): ModelComparison {
  const spans = alignTokenizations(a.tokens, b.tokens);
  if ('positions' in divergence) {
    const positions = [...divergence.positions].sort((x, y) => x.index - y.index);
    const cells = positions.map((p) => ({ start: a.tokens[p.index].start, end: a.tokens[p.index].end, bits: p.klBits }));
    return {
      a, b, mode: 'kl', memory, positions, spans, cells,
      vocabulary: 'The models share a vocabulary (the same token text for every id) and tokenize this text into the same tokens: KL(A ‖ B) over the whole vocabulary at each token.',
      summary: { kl: summarizeKl(positions), spans: summarizeSpans(spans) },
    };
  }
  const cells = spans.filter((s) => s.deltaBits !== null).map((s) => ({ start: s.start, end: s.end, bits: Math.abs(s.deltaBits!) }));
  return {
    a, b, mode: 'spans', memory, positions: [], spans, cells,
    vocabulary: `The models do not share a vocabulary here (${divergence.reason}): the difference in surprisal over the spans both tokenizations cut at their ends.`,
    summary: { kl: null, spans: summarizeSpans(spans) },
  };
}

/** The cell under `offset` (a document offset), if any. */
export function cellAt(comparison: ModelComparison, offset: number): ComparisonCell | undefined {
  return comparison.cells.find((c) => c.start <= offset && offset < c.end);
}
