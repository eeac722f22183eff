/**
 * One plain line per chart and probe: what it found and what the user might do
 * next. Effects within the tolerance are worded as no measurable effect, and a
 * posterior over answers the model does not expect is never called confidence.
 * Pure: the CLI prints these lines and the panel shows them under its charts.
 */
import type { CalibrateReport, LooReport, OrderReport, RandomLabelsReport } from './probes';
import { LOW_COVERAGE, klBits } from './posteriorMath';
import type { SweepResult } from './sweep';

/** A verdict line and how it should be coloured: warn = the number must not be over-read. */
export interface Verdict {
  readonly text: string;
  readonly tone: 'neutral' | 'good' | 'bad' | 'warn';
}

/** The sweep's verdicts, by chart (absent where the chart has nothing to say). */
export interface SweepVerdicts {
  readonly posterior?: Verdict;
  readonly target?: Verdict;
  readonly prequential?: Verdict;
  readonly entropy?: Verdict;
  readonly loo?: Verdict;
}

/** A number for a sentence: 3 significant digits, exponent form when tiny. */
export function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && Math.abs(x) < 1e-3) return x.toExponential(1);
  return String(Number(x.toPrecision(3)));
}

/** A probability for a sentence, exponent form below 1e-3 (also where it underflows to 0, from its bits). */
function prob(p: number, bits?: number): string {
  if (p === 0 && bits !== undefined && Number.isFinite(bits)) return `2^−${num(bits)}`;
  return num(p);
}

/** "E1", "E1 and E3", "E1, E2 and E4". */
export function exampleList(indices: readonly number[]): string {
  const names = indices.map((i) => `E${i}`);
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** Verdicts for every chart of a sweep. */
export function sweepVerdicts(r: SweepResult): SweepVerdicts {
  const out: { -readonly [K in keyof SweepVerdicts]: SweepVerdicts[K] } = {};
  const first = r.ks[0];
  const last = r.ks[r.ks.length - 1];
  if (!first || !last) return out;
  const tol = r.toleranceBits;
  const names = r.candidates.map((c) => c.name);
  if (names.length > 0 && last.coverage !== null) {
    if (last.coverage < LOW_COVERAGE) {
      out.posterior = {
        tone: 'warn',
        text: `The candidates together hold only ${prob(last.coverage, last.coverageBits ?? undefined)} of the model's probability at k = ${last.k}: this posterior compares answers the model does not expect, it is not confidence. Check the candidates' wording (leading space, format) or use a model that knows this format.`,
      };
    } else {
      const best = names.reduce((a, b) => (last.posterior[b] > last.posterior[a] ? b : a));
      let text = `At k = ${last.k} the model puts ${num(last.posterior[best])} on ${best} (${num(first.posterior[best])} with no examples); the candidates hold ${num(last.coverage)} of its probability.`;
      const refs = r.ks.filter((k) => k.referencePosterior);
      if (refs.length > 0) {
        const worst = Math.max(...refs.map((k) => klBits(names.map((n) => k.referencePosterior![n]), names.map((n) => k.posterior[n]))));
        text += ` Largest KL to the analytic ${r.reference?.task} posterior: ${num(worst)} bits (${worst <= 0.1 ? 'within' : 'above'} the 0.1-bit pass line).`;
      }
      out.posterior = { tone: 'neutral', text };
    }
  }
  if (first.targetBits !== null && last.targetBits !== null) {
    const change = first.targetBits - last.targetBits;
    const p = prob(2 ** -last.targetBits, last.targetBits);
    if (r.ks.length === 1) out.target = { tone: 'neutral', text: `P(target) is ${p} (${num(last.targetBits)} bits).` };
    else if (Math.abs(change) <= tol) out.target = { tone: 'neutral', text: `The examples make no measurable difference to P(target) (${p} at k = ${last.k}; change within ±${tol} bits).` };
    else if (change > 0) out.target = { tone: 'good', text: `The ${last.k} examples raise P(target) by ${num(change)} bits, to ${p}.` };
    else out.target = { tone: 'bad', text: `The ${last.k} examples lower P(target) by ${num(-change)} bits, to ${p}: the examples pull the model away from the target; check them against the target's format.` };
  }
  const preq = r.examples.map((e) => e.prequentialBits).filter((b): b is number => b !== null);
  if (preq.length >= 2) {
    const half = Math.floor(preq.length / 2);
    const early = mean(preq.slice(0, half));
    const late = mean(preq.slice(preq.length - half));
    const total = preq.reduce((a, b) => a + b, 0);
    if (early - late > tol) out.prequential = { tone: 'good', text: `Later examples cost fewer bits (${num(early)} → ${num(late)} on average): the model learns this task in context. Code length ${num(total)} bits.` };
    else if (late - early > tol) out.prequential = { tone: 'bad', text: `Later examples cost more bits (${num(early)} → ${num(late)} on average): each example surprises the model more; look for inconsistent examples. Code length ${num(total)} bits.` };
    else out.prequential = { tone: 'neutral', text: `Examples cost about the same (${num(early)} → ${num(late)} bits on average): no measurable in-context learning of the outputs. Code length ${num(total)} bits.` };
  }
  if (first.formatMass !== null && last.formatMass !== null) {
    const h = first.answerEntropy !== null && last.answerEntropy !== null ? `; entropy there ${num(first.answerEntropy)} → ${num(last.answerEntropy)} bits` : '';
    out.entropy = { tone: 'neutral', text: `Where the answer starts, the mass on the examples' format goes from ${num(first.formatMass)} to ${num(last.formatMass)}${h}.` };
  }
  const looVerdict = looLine(r.examples.map((e) => ({ index: e.index, delta: e.looDeltaBits, effect: e.looEffect })), tol);
  if (looVerdict) out.loo = looVerdict;
  return out;
}

/** The leave-one-out line from per-example changes. */
function looLine(examples: ReadonlyArray<{ index: number; delta: number | null; effect: 'helps' | 'hurts' | 'none' | null }>, tol: number): Verdict | undefined {
  const known = examples.filter((e) => e.delta !== null && e.effect !== null);
  if (known.length === 0) return undefined;
  const hurts = known.filter((e) => e.effect === 'hurts').sort((a, b) => b.delta! - a.delta!);
  const helps = known.filter((e) => e.effect === 'helps').sort((a, b) => a.delta! - b.delta!);
  const none = known.filter((e) => e.effect === 'none');
  const parts: string[] = [];
  if (hurts.length > 0) {
    const total = hurts.reduce((a, e) => a + e.delta!, 0);
    parts.push(`${exampleList(hurts.map((e) => e.index))} lower${hurts.length === 1 ? 's' : ''} P(target) (by ${num(total)} bits${hurts.length > 1 ? ' together' : ''}): try the prompt without ${hurts.length === 1 ? 'it' : 'them'}.`);
  }
  if (helps.length > 0) parts.push(`${exampleList(helps.map((e) => e.index))} help${helps.length === 1 ? 's' : ''} (removing E${helps[0].index} costs ${num(-helps[0].delta!)} bits).`);
  if (none.length === known.length) parts.push(`No example has a measurable effect on its own (every change within ±${tol} bits).`);
  else if (none.length > 0) parts.push(`${exampleList(none.map((e) => e.index))} ${none.length === 1 ? 'has' : 'have'} no measurable effect (within ±${tol} bits).`);
  return { tone: hurts.length > 0 ? 'bad' : helps.length > 0 ? 'good' : 'neutral', text: parts.join(' ') };
}

/** The leave-one-out probe's line. */
export function looVerdict(r: LooReport): Verdict | undefined {
  return looLine(r.examples.map((e) => ({ index: e.index, delta: e.looDeltaBits, effect: e.effect })), r.toleranceBits);
}

/** The order probe's line. */
export function orderVerdict(r: OrderReport): Verdict {
  if (r.exchangeable === null || r.targetP === null) {
    return { tone: 'neutral', text: `Largest KL between an order's posterior and the mean: ${r.maxPosteriorKlBits === null ? '—' : num(r.maxPosteriorKlBits)} bits (no target to compare P across orders).` };
  }
  if (r.exchangeable) {
    return { tone: 'neutral', text: `The order of the examples makes no measurable difference: the target's bits vary by ${num(r.targetBitsStd ?? 0)} (std) across ${r.orders.length} orders, within the ${r.toleranceBits}-bit tolerance.` };
  }
  return {
    tone: 'bad',
    text: `The order matters: P(target) ranges from ${num(r.targetP.min)} to ${num(r.targetP.max)} across ${r.orders.length} orders (std ${num(r.targetBitsStd ?? 0)} bits). Best order: ${r.best?.join(' ') ?? '—'}${r.best && r.orders[0] && r.best.join(' ') !== r.orders[0].order.join(' ') ? ' — try it' : ' (the written one)'}.`,
  };
}

/** The calibration probe's line. */
export function calibrationVerdict(r: CalibrateReport): Verdict {
  const names = Object.keys(r.bias);
  const uniform = 1 / Math.max(1, names.length);
  const leaning = names.reduce((a, b) => (r.bias[b] > r.bias[a] ? b : a));
  const skew = Math.max(...names.map((n) => Math.abs(r.bias[n] - uniform)));
  const rawBest = names.reduce((a, b) => (r.raw[b] > r.raw[a] ? b : a));
  const calBest = names.reduce((a, b) => (r.calibrated[b] > r.calibrated[a] ? b : a));
  const flip = rawBest !== calBest ? ` Calibration changes the answer from ${rawBest} to ${calBest}.` : ` The answer stays ${rawBest}.`;
  if (skew < 0.05) return { tone: 'neutral', text: `Little label bias: the content-free input ${JSON.stringify(r.contentFree)} gets a near-uniform posterior.${flip}` };
  return { tone: rawBest !== calBest ? 'bad' : 'neutral', text: `Label bias: with the content-free input ${JSON.stringify(r.contentFree)} the model already puts ${num(r.bias[leaning])} on ${leaning}.${flip}` };
}

/** The random-labels probe's line. */
export function randomLabelsVerdict(r: RandomLabelsReport): Verdict {
  if (r.shuffleCannotChange) return { tone: 'neutral', text: `Shuffling cannot change the input→label mapping here: ${r.shuffleCannotChange}.` };
  if (r.labelEffectBits === null) return { tone: 'neutral', text: `Mean KL between the true-label and shuffled posteriors: ${r.meanPosteriorKlBits === null ? '—' : num(r.meanPosteriorKlBits)} bits (no target to compare).` };
  if (!r.measurable) return { tone: 'neutral', text: `Shuffled labels make no measurable difference (${num(r.labelEffectBits)} bits, within ±${r.toleranceBits}): the model follows the format, not the labels.` };
  if (r.labelEffectBits > 0) return { tone: 'good', text: `Shuffled labels cost ${num(r.labelEffectBits)} bits on average: the model uses the input→label mapping of the examples.` };
  return { tone: 'bad', text: `Shuffled labels raise P(target) by ${num(-r.labelEffectBits)} bits on average: the labels as written work against the target; check them.` };
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
