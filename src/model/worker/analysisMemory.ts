/**
 * The worker's last few text analyses, by id: what a later analysis of an edited
 * text resumes from (token spans from the last window start before the change,
 * token statistics reused where their row was) and what its result is sent as a
 * delta against (runtimeProtocol.ts AnalysisDelta). Bounded by count and by the
 * statistics held, so a few long documents cannot grow the worker without limit.
 */
import type { Reading, TokenStat } from '../../core/analysis';
import type { SpanResult } from '../../core/tokenSpans';
import { REMEMBERED_RESULTS } from '../runtimeProtocol';
import type { Row } from './rowScorer';

/** A result as the worker remembers it. */
export interface RememberedAnalysis {
  readonly id: number;
  readonly text: string;
  readonly topK: number;
  /** What was computed per token: a later analysis reuses statistics only of its own reading. */
  readonly reading: Reading;
  /** The document tokens (no BOS) and their spans, as the span pass left them. */
  readonly docTokens: readonly number[];
  readonly spans: SpanResult;
  /** The statistics sent, and the row each came from (the same object when a later analysis reuses the row). */
  readonly tokens: readonly TokenStat[];
  readonly rows: readonly (Row | undefined)[];
}

/** Alternatives held at most over all remembered results (≈ 100 bytes each). */
const REMEMBERED_ALTERNATIVES = 2_000_000;

export class AnalysisMemory {
  private readonly entries: RememberedAnalysis[] = [];
  private nextId = 1;

  /** The result `id`, if it is still remembered. */
  get(id: number): RememberedAnalysis | undefined {
    return this.entries.find((e) => e.id === id);
  }

  /** Remember a new result under a new id; the oldest go when over the bounds (never the new one). */
  remember(entry: Omit<RememberedAnalysis, 'id'>): RememberedAnalysis {
    const remembered = { ...entry, id: this.nextId++ };
    this.entries.push(remembered);
    const weight = (e: RememberedAnalysis) => e.tokens.length * (e.topK + 1);
    let total = this.entries.reduce((s, e) => s + weight(e), 0);
    while (this.entries.length > 1 && (this.entries.length > REMEMBERED_RESULTS || total > REMEMBERED_ALTERNATIVES)) {
      total -= weight(this.entries.shift()!);
    }
    return remembered;
  }
}
