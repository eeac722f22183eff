/**
 * The few-shot sweep: for k = 0..K, the target's teacher-forced log-probability,
 * the posterior over candidates, format mass and entropy where the answer
 * starts, and for each example its prequential bits, information gain and
 * leave-one-out change (DESIGN.md "Definitions"). Core plans the texts; the
 * model scores them in batches that share the KV cache.
 */
import { coinPredictive, labelsPredictive } from '../windTunnel/tasks';
import type { ContinuationScorer, ScoreBatchResult, ScoredContinuation, ScoreRequest, TokenClassSpec } from './continuationScorer';
import type { FewShotStructure } from './fewShotStructure';
import { minimumEvaluations } from './prefixPlan';
import { bitsOf, candidatePosterior, klBits } from './posteriorMath';
import { exampleOutput, prefixK, prequentialPair, promptBeforeAnswer, range } from './promptText';

export interface SweepK {
  readonly k: number;
  /** −log2 P_k of the target; null without a target. */
  readonly targetBits: number | null;
  /** −log2 of each target token's teacher-forced probability. */
  readonly targetTokenBits: readonly number[];
  readonly targetTokens: readonly string[];
  /** π_k over the candidates, by name (empty without candidates). */
  readonly posterior: Readonly<Record<string, number>>;
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
  /** KL(π_k ‖ π_{k−1}) in bits. */
  readonly informationGainBits: number | null;
}

export interface SweepResult {
  readonly model: string;
  readonly structure: StructureSummary;
  readonly target: string | null;
  readonly candidates: ReadonlyArray<{ readonly name: string; readonly text: string }>;
  readonly lengthNormalized: boolean;
  readonly formatClass: { readonly source: 'example outputs' | 'regex'; readonly regex: string | null; readonly size: number };
  readonly reference: { readonly task: 'coin' | 'labels'; readonly alpha: number } | null;
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
}

export interface StructureSummary {
  readonly shape: string;
  readonly header: { readonly start: number; readonly end: number };
  readonly examples: ReadonlyArray<{ readonly start: number; readonly end: number; readonly inputStart: number; readonly outputStart: number }>;
  readonly query: { readonly start: number; readonly inputStart: number; readonly outputStart: number };
}

export interface SweepOptions {
  /** Leave-one-out per example (K more prompts, each re-evaluating the examples after the one removed). */
  readonly leaveOneOut: boolean;
  /** Called after each k and at the end with the results so far. */
  readonly onPartial?: (partial: SweepResult, done: number, total: number) => void;
}

/**
 * The requests of one prompt variant's answer: the target (if any) then each
 * candidate. With `stats` and neither, the first example's output stands in as
 * a probe, only to read the distribution where the answer starts.
 */
export function answerRequests(context: string, s: FewShotStructure, stats: boolean, text?: string): ScoreRequest[] {
  const out: ScoreRequest[] = [];
  if (s.target !== null) out.push({ context, continuation: s.target, stats });
  s.candidates.forEach((c, i) => out.push({ context, continuation: c.text, stats: stats && s.target === null && i === 0 }));
  const probe = text !== undefined && s.examples.length > 0 ? exampleOutput(text, s.examples[0]) : '';
  if (stats && out.length === 0 && probe.length > 0) out.push({ context, continuation: probe, stats: true });
  return out;
}

/** The format class: tokens beginning example outputs, or the declared regex. */
export function formatClassSpec(text: string, s: FewShotStructure): TokenClassSpec {
  return { firstTokensOf: range(s.examples.length).map((i) => { const p = prequentialPair(text, s, i + 1); return { context: p.context, continuation: p.continuation }; }), regex: s.formatClass };
}

export interface AnswerScores {
  readonly targetBits: number | null;
  readonly targetTokenBits: readonly number[];
  readonly targetTokens: readonly string[];
  readonly posterior: readonly number[];
  readonly formatMass: number | null;
  readonly answerEntropy: number | null;
}

/** Target bits and candidate posterior from the scored `answerRequests`. */
export function answerScores(s: FewShotStructure, scored: readonly ScoredContinuation[]): AnswerScores {
  const t = s.target !== null ? scored[0] : undefined;
  const cands = scored.slice(s.target !== null ? 1 : 0, (s.target !== null ? 1 : 0) + s.candidates.length);
  // Without target and candidates, the stats probe (if any) is the first request.
  const statsRow = t ?? cands[0] ?? (s.candidates.length === 0 && scored[0]?.entropyBits !== null ? scored[0] : undefined);
  return {
    targetBits: t ? bitsOf(t.lnp) : null,
    targetTokenBits: t ? t.lnp.map((l) => bitsOf([l])) : [],
    targetTokens: t ? t.pieces : [],
    posterior: cands.length > 0 ? candidatePosterior(cands.map((c) => c.lnp), s.lengthNormalize) : [],
    formatMass: statsRow?.classMass ?? null,
    answerEntropy: statsRow?.entropyBits ?? null,
  };
}

/** Run the sweep for k = 0..K, then leave-one-out. */
export async function runSweep(text: string, s: FewShotStructure, score: ContinuationScorer, options: SweepOptions): Promise<SweepResult> {
  const K = s.examples.length;
  const tokenClass = formatClassSpec(text, s);
  const ks: SweepK[] = [];
  const prequential: Array<number | null> = [];
  const planned: ScoredContinuation[] = [];
  let tokensEvaluated = 0;
  let classSize = 0;
  let model = '';
  let retokenized = false;
  const total = K + 1 + (options.leaveOneOut && s.target !== null ? 1 : 0);
  const note = (r: ScoreBatchResult) => {
    model = r.model.name;
    tokensEvaluated += r.tokensEvaluated;
    classSize = r.classSize;
    planned.push(...r.results);
    if (r.results.some((x) => x.retokenized > 0)) retokenized = true;
  };
  const snapshot = (complete: boolean, loo: Array<number | null>, looTokens: number): SweepResult => ({
    model,
    structure: summarizeStructure(s),
    target: s.target,
    candidates: s.candidates,
    lengthNormalized: s.lengthNormalize,
    formatClass: { source: s.formatClass ? 'regex' : 'example outputs', regex: s.formatClass, size: classSize },
    reference: s.reference,
    ks: ks.slice(),
    examples: prequential.map((bits, i) => ({
      index: i + 1,
      start: s.examples[i].start,
      end: s.examples[i].end,
      prequentialBits: bits,
      looDeltaBits: loo[i] ?? null,
      informationGainBits: ks[i + 1]?.informationGainBits ?? null,
    })),
    tokensEvaluated,
    tokensMinimum: minimumEvaluations(planned.map((p) => ({ tokens: p.tokens, scoreFrom: p.scoreFrom, stats: false }))),
    looTokensEvaluated: looTokens,
    retokenizedBoundary: retokenized,
    complete,
  });

  for (let k = 0; k <= K; k++) {
    const requests = answerRequests(prefixK(text, s, k), s, true, text);
    // Example k+1's prequential code shares this prefix's examples: score it in the same batch, last.
    const p = k < K ? prequentialPair(text, s, k + 1) : undefined;
    const withPrequential = p !== undefined && p.context.length > 0 && p.continuation.length > 0;
    if (withPrequential) requests.push({ context: p.context, continuation: p.continuation, stats: false });
    const r = await score({ requests, tokenClass });
    note(r);
    const a = answerScores(s, r.results);
    if (k < K) prequential.push(withPrequential ? bitsOf(r.results[r.results.length - 1].lnp) : null);
    const prev = ks[k - 1];
    const posterior = named(s, a.posterior);
    ks.push({
      k,
      targetBits: a.targetBits,
      targetTokenBits: a.targetTokenBits,
      targetTokens: a.targetTokens,
      posterior,
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
    const requests = range(K).map((i) => ({ context: promptBeforeAnswer(text, s, { examples: range(K).filter((j) => j !== i) }), continuation: s.target!, stats: false }));
    const r = await score({ requests });
    model = r.model.name;
    looTokens = r.tokensEvaluated;
    // Removing E_i changes log2 P by (−bits without) − (−bits with).
    loo = r.results.map((x) => full - bitsOf(x.lnp));
  }
  const result = snapshot(true, loo, looTokens);
  options.onPartial?.(result, total, total);
  return result;
}

/** The analytic posterior predictive over the two candidates after k example outputs. */
export function referencePosterior(text: string, s: FewShotStructure, k: number): number[] {
  const ref = s.reference!;
  // An example counts for a candidate when its output is the candidate's continuation.
  const [a, b] = s.candidates.map((c) => c.text.trim());
  const seen = s.examples.slice(0, k).map((e) => exampleOutput(text, e).trim());
  const nA = seen.filter((o) => o === a).length;
  const nB = seen.filter((o) => o === b).length;
  const q = ref.task === 'coin' ? coinPredictive(nA, nA + nB) : labelsPredictive(nA, nB, ref.alpha);
  return [q, 1 - q];
}

export function summarizeStructure(s: FewShotStructure): StructureSummary {
  return {
    shape: s.shape,
    header: s.header,
    examples: s.examples.map((e) => ({ start: e.start, end: e.end, inputStart: e.inputStart, outputStart: e.outputStart })),
    query: { start: s.query.start, inputStart: s.query.inputStart, outputStart: s.query.outputStart },
  };
}

/** A posterior as {name: p}. */
export function named(s: FewShotStructure, p: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  s.candidates.forEach((c, i) => { if (p[i] !== undefined) out[c.name] = p[i]; });
  return out;
}
