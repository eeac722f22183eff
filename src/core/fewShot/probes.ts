/**
 * The few-shot probes: leave-one-out, order sensitivity, contextual
 * calibration and random labels. Each builds prompt variants from the document
 * and scores the query's answer under each.
 */
import { mulberry32 } from '../seededRandom';
import type { ContinuationScorer } from './continuationScorer';
import type { FewShotStructure } from './fewShotStructure';
import { calibrate, klBits, meanStd } from './posteriorMath';
import { contextFor, exampleInputAt, exampleOutputAt, range, type PromptVariant } from './promptText';
import { DEFAULT_TOLERANCE_BITS, looEffect, type EffectClass } from './effects';
import { answerGroup, answerScores, longestPrompt, named, type AnswerScores } from './sweep';

export type ProbeName = 'loo' | 'order' | 'calibrate' | 'random-labels';
export const PROBE_NAMES: readonly ProbeName[] = ['loo', 'order', 'calibrate', 'random-labels'];

export interface ProbeOptions {
  /** Order sensitivity: how many seeded permutations (the written order comes first). */
  readonly permutations: number;
  /** Random labels: how many seeded shuffles of the outputs. */
  readonly shuffles: number;
  readonly seed: number;
  /**
   * Effects within ± this many bits count as no measurable effect: a
   * leave-one-out change, the spread of target bits across orders (std), the
   * shuffled-label effect.
   */
  readonly toleranceBits: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_PROBE_OPTIONS: ProbeOptions = { permutations: 24, shuffles: 8, seed: 1, toleranceBits: DEFAULT_TOLERANCE_BITS };

export interface VariantScore {
  readonly targetBits: number | null;
  readonly posterior: Readonly<Record<string, number>>;
}

export interface LooReport {
  readonly probe: 'loo';
  readonly toleranceBits: number;
  readonly full: VariantScore;
  readonly examples: ReadonlyArray<VariantScore & { readonly index: number; readonly looDeltaBits: number | null; readonly effect: EffectClass | null; readonly posteriorShiftBits: number | null }>;
}

export interface OrderReport {
  readonly probe: 'order';
  /** Each order is a list of 1-based example indices; the first is the written order. */
  readonly orders: ReadonlyArray<VariantScore & { readonly order: readonly number[]; readonly targetP: number | null }>;
  readonly targetP: { readonly min: number; readonly max: number; readonly mean: number; readonly std: number } | null;
  readonly targetBitsStd: number | null;
  readonly best: readonly number[] | null;
  readonly worst: readonly number[] | null;
  /** Largest KL(π_order ‖ mean posterior) in bits. */
  readonly maxPosteriorKlBits: number | null;
  readonly toleranceBits: number;
  /** Whether the target's bits vary across orders by no more than the tolerance (std). */
  readonly exchangeable: boolean | null;
}

export interface CalibrateReport {
  readonly probe: 'calibrate';
  readonly contentFree: string;
  readonly raw: Readonly<Record<string, number>>;
  /** The label bias: the posterior the content-free input gets. */
  readonly bias: Readonly<Record<string, number>>;
  readonly calibrated: Readonly<Record<string, number>>;
}

export interface RandomLabelsReport {
  readonly probe: 'random-labels';
  readonly toleranceBits: number;
  /**
   * Why shuffling cannot change what the model sees as an input→label
   * mapping, when it cannot: the examples have no inputs (or identical ones),
   * so a shuffle only reorders the labels; or every output is the same.
   */
  readonly shuffleCannotChange: string | null;
  /** Whether |label effect| exceeds the tolerance (null without a target). */
  readonly measurable: boolean | null;
  readonly trueLabels: VariantScore;
  readonly shuffled: ReadonlyArray<VariantScore & { readonly outputs: readonly number[] }>;
  readonly meanShuffledBits: number | null;
  /** Mean shuffled bits − true bits: positive when the model uses the labels, ≈ 0 when only the format. */
  readonly labelEffectBits: number | null;
  /** Mean KL(π_true ‖ π_shuffled) in bits. */
  readonly meanPosteriorKlBits: number | null;
}

export type ProbeReport = LooReport | OrderReport | CalibrateReport | RandomLabelsReport;

/** Run `probe` on the prompt `text` with structure `s`. */
export async function runProbe(probe: ProbeName, text: string, s: FewShotStructure, score: ContinuationScorer, options: ProbeOptions): Promise<ProbeReport> {
  const need = (ok: boolean, message: string) => { if (!ok) throw new ProbeInputError(message); };
  const K = s.examples.length;
  const measure = async (variants: readonly PromptVariant[]): Promise<AnswerScores[]> => {
    const out: AnswerScores[] = [];
    for (const v of variants) {
      const group = answerGroup(contextFor(text, s, v), text, s, false);
      out.push(answerScores(s, (await score({ groups: [group], ...(out.length === 0 ? { mustFit: [longestPrompt(text, s)] } : {}) })).groups[0]));
      options.onProgress?.(out.length, variants.length);
    }
    return out;
  };
  const view = (a: AnswerScores): VariantScore => ({ targetBits: a.targetBits, posterior: named(s, a.posterior) });
  const all = range(K);
  switch (probe) {
    case 'loo': {
      need(K >= 1, 'Leave-one-out needs at least one example.');
      need(s.target !== null || s.candidates.length >= 2, 'Leave-one-out needs a target (the query\'s expected output) or candidates.');
      const [full, ...without] = await measure([{ examples: all }, ...all.map((i) => ({ examples: all.filter((j) => j !== i) }))]);
      return {
        probe,
        toleranceBits: options.toleranceBits,
        full: view(full),
        examples: without.map((w, i) => {
          const looDeltaBits = full.targetBits !== null && w.targetBits !== null ? full.targetBits - w.targetBits : null;
          return {
          index: i + 1,
          ...view(w),
          looDeltaBits,
          effect: looEffect(looDeltaBits, options.toleranceBits),
          posteriorShiftBits: full.posterior.length > 0 ? klBits(full.posterior, w.posterior) : null,
          };
        }),
      };
    }
    case 'order': {
      need(K >= 2, 'Order sensitivity needs at least two examples.');
      need(s.target !== null || s.candidates.length >= 2, 'Order sensitivity needs a target or candidates.');
      const orders = permutations(K, options.permutations, options.seed);
      const scores = await measure(orders.map((o) => ({ examples: o })));
      const rows = scores.map((a, i) => ({ order: orders[i].map((j) => j + 1), ...view(a), targetP: a.targetBits === null ? null : 2 ** -a.targetBits }));
      const ps = rows.map((r) => r.targetP).filter((p): p is number => p !== null);
      const bits = scores.map((a) => a.targetBits).filter((b): b is number => b !== null);
      const stats = ps.length > 0 ? { min: Math.min(...ps), max: Math.max(...ps), ...meanStd(ps) } : null;
      const byBits = rows.filter((r) => r.targetBits !== null).sort((a, b) => a.targetBits! - b.targetBits!);
      const mean = s.candidates.length > 0 ? s.candidates.map((_, c) => scores.reduce((a, x) => a + x.posterior[c], 0) / scores.length) : null;
      const bitsStd = bits.length > 0 ? meanStd(bits).std : null;
      return {
        probe,
        orders: rows,
        targetP: stats,
        targetBitsStd: bitsStd,
        best: byBits[0]?.order ?? null,
        worst: byBits[byBits.length - 1]?.order ?? null,
        maxPosteriorKlBits: mean ? Math.max(...scores.map((x) => klBits(x.posterior, mean))) : null,
        toleranceBits: options.toleranceBits,
        exchangeable: bitsStd === null ? null : bitsStd <= options.toleranceBits,
      };
    }
    case 'calibrate': {
      need(s.candidates.length >= 2, 'Calibration needs at least two candidates (labels in the examples, or "candidates" in front matter).');
      const [raw, free] = await measure([{ examples: all }, { examples: all, queryInput: s.contentFree }]);
      return { probe, contentFree: s.contentFree, raw: named(s, raw.posterior), bias: named(s, free.posterior), calibrated: named(s, calibrate(raw.posterior, free.posterior)) };
    }
    case 'random-labels': {
      need(K >= 2, 'Random labels needs at least two examples.');
      need(s.target !== null || s.candidates.length >= 2, 'Random labels needs a target or candidates.');
      const outputs = s.examples.map((_, i) => exampleOutputAt(text, s, i));
      const shuffles = permutations(K, options.shuffles + 1, options.seed + 7919).slice(1);
      const variants: PromptVariant[] = [{ examples: all }, ...shuffles.map((p) => ({ examples: all, outputs: new Map(all.map((i) => [i, outputs[p[i]]])) }))];
      const [truth, ...shuffled] = await measure(variants);
      const bits = shuffled.map((a) => a.targetBits).filter((b): b is number => b !== null);
      const meanShuffled = bits.length > 0 ? meanStd(bits).mean : null;
      const effect = meanShuffled !== null && truth.targetBits !== null ? meanShuffled - truth.targetBits : null;
      return {
        probe,
        toleranceBits: options.toleranceBits,
        shuffleCannotChange: whyShufflingCannotChange(text, s),
        measurable: effect === null ? null : Math.abs(effect) > options.toleranceBits,
        trueLabels: view(truth),
        shuffled: shuffled.map((a, i) => ({ outputs: shuffles[i].map((j) => j + 1), ...view(a) })),
        meanShuffledBits: meanShuffled,
        labelEffectBits: effect,
        meanPosteriorKlBits: truth.posterior.length > 0 ? meanStd(shuffled.map((a) => klBits(truth.posterior, a.posterior))).mean : null,
      };
    }
  }
}

/**
 * Why shuffling outputs among examples cannot change the input→label pairing
 * the model sees, or null when it can: with no (or identical) inputs a shuffle
 * only reorders the labels, which a model that counts labels sees as the same
 * evidence; with one distinct output every shuffle is the original prompt.
 */
export function whyShufflingCannotChange(text: string, s: FewShotStructure): string | null {
  const outputs = new Set(s.examples.map((_, i) => exampleOutputAt(text, s, i).trim()));
  if (outputs.size <= 1) return 'every example has the same output, so each shuffle is the original prompt';
  const inputs = new Set(s.examples.map((_, i) => exampleInputAt(text, s, i).trim()));
  if (inputs.size <= 1) {
    return [...inputs][0] === ''
      ? 'the examples have no inputs, so a shuffle only reorders the labels (the counts stay the same): it tests order, not the input→label mapping'
      : 'every example has the same input, so a shuffle only reorders the labels (the counts stay the same): it tests order, not the input→label mapping';
  }
  return null;
}

/** A probe cannot run on this prompt (the CLI maps it to the input exit code). */
export class ProbeInputError extends Error {}

/**
 * `count` orders of 0..n−1: the identity first, then seeded Fisher–Yates
 * shuffles, without repeats while distinct orders remain (n! may be small).
 */
export function permutations(n: number, count: number, seed: number): number[][] {
  const rand = mulberry32(seed);
  const seen = new Set<string>();
  const out: number[][] = [];
  const identity = range(n);
  const add = (p: number[]) => { const key = p.join(','); if (!seen.has(key)) { seen.add(key); out.push(p); } };
  add(identity);
  const possible = factorialAtMost(n, count);
  for (let tries = 0; out.length < Math.min(count, possible) && tries < count * 50; tries++) {
    const p = identity.slice();
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [p[i], p[j]] = [p[j], p[i]];
    }
    add(p);
  }
  return out;
}

function factorialAtMost(n: number, cap: number): number {
  let f = 1;
  for (let i = 2; i <= n && f < cap; i++) f *= i;
  return f;
}
