/**
 * How many more examples: the Bayesian scaling law fitted to the sweep's
 * P(target) over k, and the k at which the fitted curve reaches a level — or
 * why no forecast is given (docs/numbers.md). Pure.
 */
import { fitScalingLaw, lawP, type ScalingLawFit, type ScalingLawForm, type ScalingLawParams } from './bayesianScalingLaw';
import type { SweepResult } from './sweep';
import { num, type Verdict } from './verdicts';

/** The default level P(target) should reach (setting iclLens.fewShot.forecastLevel, CLI --forecast-level). */
export const DEFAULT_FORECAST_LEVEL = 0.9;

/** Fewest values of k to fit: the two-task form's 4 parameters and 2 degrees of freedom left to judge the residuals. */
export const MIN_FORECAST_POINTS = 6;

/** No forecast beyond this many times the largest k measured: an extrapolation too far to trust. */
export const FORECAST_HORIZON_FACTOR = 10;

export type NoForecastReason = 'no target' | 'too few points' | 'poor fit' | 'ceiling below level' | 'beyond horizon';

export interface Forecast {
  /** The level P(target) should reach. */
  readonly level: number;
  /** Values of k fitted. */
  readonly points: number;
  /** The fitted law's form and parameters (null when nothing was fitted). */
  readonly form: ScalingLawForm | null;
  readonly parameters: Omit<ScalingLawParams, 'form'> | null;
  /** Per k fitted, log2 P_k − log2 P̂_k in bits. */
  readonly residualBits: readonly number[];
  readonly rmsResidualBits: number | null;
  readonly maxAbsResidualBits: number | null;
  /** The fit is poor when its RMS residual exceeds this (the sweep's tolerance). */
  readonly toleranceBits: number;
  /** The largest k a forecast may name. */
  readonly horizon: number;
  /** The first k at which the fitted P̂_k reaches the level; null with `reason`. */
  readonly k: number | null;
  /** The first measured k with P_k ≥ level (null when none did). */
  readonly measuredK: number | null;
  readonly reason: NoForecastReason | null;
  /** P̂_k for k = 0..max(measured k, forecast k), for the chart (empty when nothing was fitted). */
  readonly fitted: ReadonlyArray<{ readonly k: number; readonly p: number }>;
}

const cache = new WeakMap<SweepResult, Map<number, Forecast>>();

/** The forecast of `r` for `level` (memoised per result: the panel asks on every snapshot). */
export function forecastOf(r: SweepResult, level = DEFAULT_FORECAST_LEVEL): Forecast {
  let byLevel = cache.get(r);
  if (!byLevel) cache.set(r, (byLevel = new Map()));
  let f = byLevel.get(level);
  if (!f) byLevel.set(level, (f = forecastCurve(r.ks.map((k) => ({ k: k.k, bits: k.targetBits })), level, r.toleranceBits)));
  return f;
}

/** The forecast from a curve of target bits by k (null bits: no target). */
export function forecastCurve(curve: ReadonlyArray<{ readonly k: number; readonly bits: number | null }>, level: number, toleranceBits: number): Forecast {
  const points = curve.filter((c): c is { k: number; bits: number } => c.bits !== null && Number.isFinite(c.bits));
  const lastK = Math.max(0, ...curve.map((c) => c.k));
  const horizon = Math.max(1, lastK) * FORECAST_HORIZON_FACTOR;
  const measured = points.find((c) => 2 ** -c.bits >= level);
  const base = { level, points: points.length, toleranceBits, horizon, measuredK: measured?.k ?? null };
  const none = (reason: NoForecastReason, fit?: ScalingLawFit, k?: number) => ({
    ...base,
    ...fitFields(fit),
    k: null,
    reason,
    fitted: fit ? fittedCurve(fit.params, Math.max(lastK, k ?? 0)) : [],
  });
  if (points.length === 0) return none('no target');
  if (points.length < MIN_FORECAST_POINTS) return none('too few points');
  const fit = fitScalingLaw(points);
  if (fit.rmsResidualBits > toleranceBits) return none('poor fit', fit);
  // The law never falls and tends to γ: a ceiling below the level is never reached.
  if (fit.params.inDistribution < level) return none('ceiling below level', fit);
  const k = crossing(fit.params, level, horizon);
  if (k === null) return none('beyond horizon', fit);
  return { ...base, ...fitFields(fit), k, reason: null, fitted: fittedCurve(fit.params, Math.max(lastK, k)) };
}

function fitFields(fit: ScalingLawFit | undefined) {
  if (!fit) return { form: null, parameters: null, residualBits: [], rmsResidualBits: null, maxAbsResidualBits: null };
  const { form, ...parameters } = fit.params;
  return { form, parameters, residualBits: fit.residualBits, rmsResidualBits: fit.rmsResidualBits, maxAbsResidualBits: fit.maxAbsResidualBits };
}

const fittedCurve = (p: ScalingLawParams, upTo: number) => Array.from({ length: upTo + 1 }, (_, k) => ({ k, p: lawP(p, k) }));

/**
 * The first whole k with P̂_k ≥ level, or null past `horizon`. The law is
 * non-decreasing in k, so the real crossing n* is found by bisection and
 * k = ⌈n* − 10⁻⁴⌉: a curve that meets the level exactly at a whole k (Laplace's
 * rule at k = 8 for 0.9) is not pushed one further by rounding.
 */
export function crossing(p: ScalingLawParams, level: number, horizon: number): number | null {
  if (lawP(p, 0) >= level) return 0;
  if (lawP(p, horizon) < level - 1e-12) return null;
  let lo = 0;
  let hi = horizon;
  for (let i = 0; i < 100 && hi - lo > 1e-9; i++) {
    const mid = (lo + hi) / 2;
    if (lawP(p, mid) >= level) hi = mid;
    else lo = mid;
  }
  return Math.min(horizon, Math.max(0, Math.ceil(hi - 1e-4)));
}

const FORM_PARAMS = (f: Forecast) => {
  const p = f.parameters!;
  const parts = [`prior ρ ${num(p.prior)}`, `ICL efficiency K ${num(p.efficiency)}`, `ceiling γ ${num(p.inDistribution)}`];
  if (p.outOfDistribution !== null) parts.push(`rival β ${num(p.outOfDistribution)}`);
  return `${f.form === 'two tasks' ? 'two tasks' : 'a task continuum'}: ${parts.join(', ')}`;
};

/** The forecast in one sentence, as the panel and the CLI show it. */
export function forecastVerdict(f: Forecast): Verdict {
  const fit = f.rmsResidualBits !== null ? `Bayesian scaling law (${FORM_PARAMS(f)}; RMS residual ${num(f.rmsResidualBits)} bits)` : '';
  switch (f.reason) {
    case 'no target':
      return { tone: 'neutral', text: 'No forecast: the prompt has no target.' };
    case 'too few points':
      return { tone: 'warn', text: `No forecast: ${f.points} value${f.points === 1 ? '' : 's'} of k, and the law needs at least ${MIN_FORECAST_POINTS} to be fitted and judged. Add examples.` };
    case 'poor fit':
      return { tone: 'warn', text: `No forecast: the ${fit} misses P(target) by more than the ${num(f.toleranceBits)}-bit tolerance (largest residual ${num(f.maxAbsResidualBits!)} bits); this curve is not one the law describes, so it cannot say how many more examples.` };
    case 'ceiling below level':
      return { tone: 'bad', text: `P(target) ${num(f.level)} not reached: the ${fit} levels off at ${num(f.parameters!.inDistribution)}, below ${num(f.level)}; more examples of this kind will not get there.` };
    case 'beyond horizon':
      return { tone: 'bad', text: `P(target) ${num(f.level)} not reached within k = ${f.horizon} (${FORECAST_HORIZON_FACTOR}× the examples measured) by the ${fit}.` };
    case null: {
      const when = f.measuredK !== null ? ` (measured: first reached at k = ${f.measuredK})` : '';
      return { tone: 'good', text: `P(target) reaches ${num(f.level)} at k = ${f.k}${when}, by the ${fit}.` };
    }
  }
}
