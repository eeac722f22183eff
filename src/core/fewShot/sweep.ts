/**
 * The few-shot sweep: for k = 0..K, the target's teacher-forced log-probability,
 * the posterior over candidates, format mass and entropy where the answer
 * starts, and for each example its prequential bits, information gain and
 * leave-one-out change (docs/numbers.md). Core plans the texts; the
 * model scores them in batches that share the KV cache.
 */
import { referencePredictive, referenceSide, type AnalyticReference } from './analyticReference';
import type { ModelInfo } from '../analysis';
import type { ContinuationScorer, ScoreBatchResult, ScoredGroup, ScoreGroup, TokenClassSpec } from './continuationScorer';
import type { FewShotStructure } from './fewShotStructure';
import { DEFAULT_TOLERANCE_BITS, looEffect, type EffectClass } from './effects';
import { minimumEvaluations } from './prefixPlan';
import { bitsOf, candidateCoverageLog2, candidatePosterior, klBits } from './posteriorMath';
import { contextFor, contextK, exampleOutputAt, isEmptyContext, prequentialContext, range, withContinuation, type PromptContext } from './promptText';

export interface SweepK {
  readonly k: number;
  /** −log2 P_k of the target; null without a target. */
  readonly targetBits: number | null;
  /** −log2 of each target token's teacher-forced probability. */
  readonly targetTokenBits: readonly number[];
  readonly targetTokens: readonly string[];
  /** π_k over the candidates, by name (empty without candidates). */
  readonly posterior: Readonly<Record<string, number>>;
  /**
   * Candidate coverage Σ_j P(c_j | prefix_k): how much probability the
   * candidates hold together (null without candidates). Tiny coverage means the
   * posterior compares answers the model does not expect.
   */
  readonly coverage: number | null;
  /** −log2 of the coverage (finite where `coverage` underflows to 0). */
  readonly coverageBits: number | null;
  /** Context tokens at the end of prefix_k that merged into the answers (scored as part of every answer; 0 normally). */
  readonly mergedContextTokens: number;
  /** The analytic reference posterior, when the prompt declares one. */
  readonly referencePosterior?: Readonly<Record<string, number>>;
  /** Σ p over the format class where the answer starts. */
  readonly formatMass: number | null;
  /** Entropy (bits) of the next-token distribution where the answer starts. */
  readonly answerEntropy: number | null;
  /** KL(π_k ‖ π_{k−1}) in bits (null at k = 0 or without candidates). */
  readonly informationGainBits: number | null;
}

export interface SweepExample {
  /** 1-based, as in E_1..E_K. */
  readonly index: number;
  readonly start: number;
  readonly end: number;
  /** −log2 P(output_k | header, E_1..E_{k−1}, input_k); null when nothing precedes the output (no BOS, empty context). */
  readonly prequentialBits: number | null;
  /** log2 P(target | all but E_k) − log2 P(target | all): negative when E_k helps. */
  readonly looDeltaBits: number | null;
  /** The leave-one-out change read against the tolerance: helps, hurts, or no measurable effect. */
  readonly looEffect: EffectClass | null;
  /** KL(π_k ‖ π_{k−1}) in bits. */
  readonly informationGainBits: number | null;
}

export interface SweepResult {
  readonly model: ModelInfo;
  readonly structure: StructureSummary;
  readonly target: string | null;
  readonly candidates: ReadonlyArray<{ readonly name: string; readonly text: string }>;
  readonly lengthNormalized: boolean;
  /**
   * The format class: its source, the regex if any, its size at the last k, and
   * whether the example outputs were more than the {@link MAX_FORMAT_OUTPUTS} it uses.
   */
  readonly formatClass: { readonly source: 'example outputs' | 'regex'; readonly regex: string | null; readonly size: number; readonly outputsCapped: boolean };
  readonly reference: AnalyticReference | null;
  /** Effects (leave-one-out, order, shuffled labels) within ± this many bits count as no measurable effect. */
  readonly toleranceBits: number;
  readonly ks: readonly SweepK[];
  readonly examples: readonly SweepExample[];
  /** Tokens the k-sweep evaluated (prefixes, continuations, prequential codes). */
  readonly tokensEvaluated: number;
  /**
   * The fewest any evaluation order could use for the same numbers from an
   * empty cache (distinct prefixes needed); a sweep that continues from what
   * the cache held (the heatmap's analysis, an earlier sweep) may use fewer.
   */
  readonly tokensMinimum: number;
  /** Tokens the leave-one-out pass evaluated (each removal re-evaluates the examples after it). */
  readonly looTokensEvaluated: number;
  /** Whether the tokenizer merged text across a context/continuation boundary somewhere. */
  readonly retokenizedBoundary: boolean;
  /** False while results are still streaming in. */
  readonly complete: boolean;
  /** A chat: which template rendered its conversations, in words ("the model's chat template"). */
  readonly template?: string;
}

export interface StructureSummary {
  readonly shape: string;
  readonly header: { readonly start: number; readonly end: number };
  /** Per example: [start, end) with its separator, input [inputStart, inputEnd), output [outputStart, outputEnd). */
  readonly examples: ReadonlyArray<{ readonly start: number; readonly end: number; readonly inputStart: number; readonly inputEnd: number; readonly outputStart: number; readonly outputEnd: number }>;
  /**
   * The query: the model sees text[start, outputStart) after the header and
   * examples, plus a line break when `appendNewline` (a block query written
   * without one); [outputStart, outputEnd) is the answer written there, if any.
   */
  readonly query: { readonly start: number; readonly inputStart: number; readonly inputEnd: number; readonly outputStart: number; readonly outputEnd: number; readonly appendNewline: boolean };
}

export interface SweepOptions {
  /** Leave-one-out per example (K more prompts, each re-evaluating the examples after the one removed). */
  readonly leaveOneOut: boolean;
  /** Effects within ± this many bits count as no measurable effect (default 0.1, the wind-tunnel pass line). */
  readonly toleranceBits?: number;
  /** Called after each k and at the end with the results so far. */
  readonly onPartial?: (partial: SweepResult, done: number, total: number) => void;
}

/**
 * The group of one prompt variant's answer: the target (if any) then each
 * candidate, scored from one token boundary that the example outputs share
 * too (they define the default format class), so every answer and the
 * answer-slot statistics are conditioned on the same tokens.
 */
export function answerGroup(context: PromptContext, text: string, s: FewShotStructure, stats: boolean): ScoreGroup {
  const continuations = [...(s.target !== null ? [s.target] : []), ...s.candidates.map((c) => c.text)];
  return { context, continuations, boundaryAlso: formatOutputs(text, s), stats };
}

/**
 * Distinct example outputs that define the format class and join the answer
 * boundary: at most this many, the first in the prompt. Each costs one
 * tokenization of context + output per variant, and a prompt with thousands of
 * examples must not cost thousands per variant.
 */
export const MAX_FORMAT_OUTPUTS = 64;

/** The first {@link MAX_FORMAT_OUTPUTS} distinct example outputs. */
export function formatOutputs(text: string, s: FewShotStructure): string[] {
  const out = new Set<string>();
  for (let i = 0; i < s.examples.length; i++) {
    if (out.size >= MAX_FORMAT_OUTPUTS) break;
    const o = exampleOutputAt(text, s, i);
    if (o.length > 0) out.add(o);
  }
  return [...out];
}

/** The longest prompt a sweep or probe of `s` sends: every example, the query and its longest answer. */
export function longestPrompt(text: string, s: FewShotStructure): PromptContext {
  const answers = [s.target ?? '', ...s.candidates.map((c) => c.text), ...formatOutputs(text, s)];
  return withContinuation(contextK(text, s, s.examples.length), answers.reduce((a, b) => (b.length > a.length ? b : a), ''));
}

/** The format class: tokens beginning an example output at the answer's boundary, or the declared regex. */
export function formatClassSpec(s: FewShotStructure): TokenClassSpec {
  return { regex: s.formatClass };
}

export interface AnswerScores {
  readonly targetBits: number | null;
  readonly targetTokenBits: readonly number[];
  readonly targetTokens: readonly string[];
  readonly posterior: readonly number[];
  /** log2 Σ_j P(c_j); null without candidates. */
  readonly coverageLog2: number | null;
  readonly formatMass: number | null;
  readonly answerEntropy: number | null;
  readonly mergedContextTokens: number;
}

/** Target bits, candidate posterior and coverage from a scored `answerGroup`. */
export function answerScores(s: FewShotStructure, g: ScoredGroup): AnswerScores {
  const t = s.target !== null ? g.continuations[0] : undefined;
  const cands = g.continuations.slice(s.target !== null ? 1 : 0);
  return {
    targetBits: t ? bitsOf(t.lnp) : null,
    targetTokenBits: t ? t.lnp.map((l) => bitsOf([l])) : [],
    targetTokens: t ? t.pieces : [],
    posterior: cands.length > 0 ? candidatePosterior(cands.map((c) => c.lnp), s.lengthNormalize) : [],
    coverageLog2: cands.length > 0 ? candidateCoverageLog2(cands.map((c) => c.lnp)) : null,
    formatMass: g.classMass,
    answerEntropy: g.entropyBits,
    mergedContextTokens: g.retokenized,
  };
}

/** Run the sweep for k = 0..K, then leave-one-out. */
export async function runSweep(text: string, s: FewShotStructure, score: ContinuationScorer, options: SweepOptions): Promise<SweepResult> {
  const K = s.examples.length;
  const tokenClass = formatClassSpec(s);
  const toleranceBits = options.toleranceBits ?? DEFAULT_TOLERANCE_BITS;
  const ks: SweepK[] = [];
  const prequential: Array<number | null> = [];
  const planned: Array<{ tokens: readonly number[]; scoreFrom: number }> = [];
  let tokensEvaluated = 0;
  let classSize = 0;
  let model: ModelInfo = { path: '', name: '', vocabSize: 0, contextSize: 0, trainContextSize: 0 };
  let retokenized = false;
  let template: string | undefined;
  const total = K + 1 + (options.leaveOneOut && s.target !== null ? 1 : 0);
  const note = (r: ScoreBatchResult) => {
    model = r.model;
    template ??= r.template;
    tokensEvaluated += r.tokensEvaluated;
    for (const g of r.groups) {
      if (g.entropyBits !== null) classSize = g.classSize;
      for (const c of g.continuations) planned.push({ tokens: c.tokens, scoreFrom: g.boundary });
      if (g.retokenized > 0) retokenized = true;
    }
  };
  const snapshot = (complete: boolean, loo: Array<number | null>, looTokens: number): SweepResult => ({
    model,
    structure: summarizeStructure(s),
    target: s.target,
    candidates: s.candidates,
    lengthNormalized: s.lengthNormalize,
    formatClass: { source: s.formatClass ? 'regex' : 'example outputs', regex: s.formatClass, size: classSize, outputsCapped: new Set(s.examples.map((_, i) => exampleOutputAt(text, s, i))).size > MAX_FORMAT_OUTPUTS },
    reference: s.reference,
    toleranceBits,
    ks: ks.slice(),
    examples: prequential.map((bits, i) => ({
      index: i + 1,
      start: s.examples[i].start,
      end: s.examples[i].end,
      prequentialBits: bits,
      looDeltaBits: loo[i] ?? null,
      looEffect: looEffect(loo[i] ?? null, toleranceBits),
      informationGainBits: ks[i + 1]?.informationGainBits ?? null,
    })),
    tokensEvaluated,
    tokensMinimum: minimumEvaluations(planned.map((p) => ({ ...p, stats: false }))),
    looTokensEvaluated: looTokens,
    retokenizedBoundary: retokenized,
    complete,
    ...(template !== undefined ? { template } : {}),
  });

  for (let k = 0; k <= K; k++) {
    const groups = [answerGroup(contextK(text, s, k), text, s, true)];
    // Example k+1's prequential code shares this prefix's examples: score it in the same batch, last.
    const p = k < K ? prequentialContext(text, s, k + 1) : undefined;
    const withPrequential = p !== undefined && !isEmptyContext(p.context) && p.continuation.length > 0;
    if (withPrequential) groups.push({ context: p.context, continuations: [p.continuation], stats: false });
    // The first batch checks that the longest prompt fits, so an oversized prompt fails at once.
    const r = await score({ groups, tokenClass, ...(k === 0 ? { mustFit: [longestPrompt(text, s)] } : {}) });
    note(r);
    const a = answerScores(s, r.groups[0]);
    if (k < K) prequential.push(withPrequential ? bitsOf(r.groups[1].continuations[0].lnp) : null);
    const prev = ks[k - 1];
    const posterior = named(s, a.posterior);
    ks.push({
      k,
      targetBits: a.targetBits,
      targetTokenBits: a.targetTokenBits,
      targetTokens: a.targetTokens,
      posterior,
      coverage: a.coverageLog2 === null ? null : 2 ** a.coverageLog2,
      coverageBits: a.coverageLog2 === null ? null : -a.coverageLog2,
      mergedContextTokens: a.mergedContextTokens,
      ...(s.reference && s.candidates.length === 2 ? { referencePosterior: named(s, referencePosterior(text, s, k)) } : {}),
      formatMass: a.formatMass,
      answerEntropy: a.answerEntropy,
      informationGainBits: prev && a.posterior.length > 0 ? klBits(a.posterior, s.candidates.map((c) => prev.posterior[c.name])) : null,
    });
    options.onPartial?.(snapshot(false, [], 0), k + 1, total);
  }

  let loo: Array<number | null> = [];
  let looTokens = 0;
  const full = ks[K]?.targetBits ?? null;
  if (options.leaveOneOut && s.target !== null && full !== null && K > 0) {
    // Each variant's target is scored from that variant's common answer boundary, as in the sweep.
    const groups = range(K).map((i) => answerGroup(contextFor(text, s, { examples: range(K).filter((j) => j !== i) }), text, s, false));
    const r = await score({ groups });
    model = r.model;
    template ??= r.template;
    looTokens = r.tokensEvaluated;
    // Removing E_i changes log2 P by (−bits without) − (−bits with).
    loo = r.groups.map((g) => full - bitsOf(g.continuations[0].lnp));
  }
  const result = snapshot(true, loo, looTokens);
  options.onPartial?.(result, total, total);
  return result;
}

/** The analytic posterior predictive over the two candidates after k example outputs. */
export function referencePosterior(text: string, s: FewShotStructure, k: number): number[] {
  const ref = s.reference!;
  // An example counts for a candidate when its output is the candidate's (labels, coin) or starts with its first word (format).
  const sides = range(k).map((i) => referenceSide(ref.task, exampleOutputAt(text, s, i), s.candidates));
  return referencePredictive(ref, sides.filter((x) => x === 0).length, sides.filter((x) => x === 1).length);
}

export function summarizeStructure(s: FewShotStructure): StructureSummary {
  return {
    shape: s.shape,
    header: s.header,
    examples: s.examples.map((e) => ({ start: e.start, end: e.end, inputStart: e.inputStart, inputEnd: e.inputEnd, outputStart: e.outputStart, outputEnd: e.outputEnd })),
    query: { start: s.query.start, inputStart: s.query.inputStart, inputEnd: s.query.inputEnd, outputStart: s.query.outputStart, outputEnd: s.query.outputEnd, appendNewline: s.query.appendNewline },
  };
}

/** A posterior as {name: p}. */
export function named(s: FewShotStructure, p: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  s.candidates.forEach((c, i) => { if (p[i] !== undefined) out[c.name] = p[i]; });
  return out;
}
