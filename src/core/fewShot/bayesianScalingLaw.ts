/**
 * The Bayesian scaling law of in-context learning (Arora, Jurafsky, Potts and
 * Goodman, "Bayesian scaling laws for in-context learning", arXiv 2410.16531),
 * in the two forms one curve can identify, and a deterministic least-squares
 * fit of it to a sweep's P(target) over k (docs/numbers.md, "How many more examples").
 *
 * The law: a Bayesian learner over tasks m with prior ρ_m, where one example
 * drawn from the target's task has probability P_m under task m and the model
 * updates as if it had seen K examples per example shown, predicts
 *
 *   P_n = Σ_m ρ_m P_m^(K·n+1) / Σ_m ρ_m P_m^(K·n).
 *
 * One curve identifies little about the task set, so two are fitted: two
 * tasks (the target's own, prior ρ and per-example probability γ, and one
 * rival standing for all others, β ≤ γ), and a continuum of tasks whose
 * per-example probability has a Beta prior (Laplace's rule is its K = 1, uniform
 * case). Pure: no Node, no vscode.
 */
import { LOG2E } from '../bits';

/** Which task set the law assumes (docs/numbers.md). */
export type ScalingLawForm = 'two tasks' | 'task continuum';

/** The law's parameters, named as in the paper. */
export interface ScalingLawParams {
  readonly form: ScalingLawForm;
  /** ρ: the prior on the target's task before any example (task continuum: the prior mean of θ/γ). */
  readonly prior: number;
  /** K: the ICL efficiency, how many Bayesian updates one shown example is worth. */
  readonly efficiency: number;
  /** γ: an example's probability under the target's task; the curve's ceiling. */
  readonly inDistribution: number;
  /** β: an example's probability under the rival task (β ≤ γ); null for the task continuum. */
  readonly outOfDistribution: number | null;
}

const lse2 = (a: number, b: number) => {
  const m = Math.max(a, b);
  return m === -Infinity ? -Infinity : m + Math.log(Math.exp(a - m) + Math.exp(b - m));
};

/**
 * The Beta prior's strength in the task continuum, in pseudo-observations: 2,
 * as the uniform prior behind Laplace's rule. Only K relative to it is
 * identifiable from a curve (scaling both leaves P_n unchanged).
 */
export const CONTINUUM_PRIOR_STRENGTH = 2;

/** ln P_n under the law, computed in log space so long curves do not underflow. */
export function lawLnP(p: ScalingLawParams, n: number): number {
  const kn = p.efficiency * n;
  const lg = Math.log(p.inDistribution);
  if (p.form === 'task continuum' || p.outOfDistribution === null) {
    // θ = γ·u, u ~ Beta(sρ, s(1−ρ)): E[θ^(Kn+1)] / E[θ^(Kn)] = γ (sρ + Kn) / (s + Kn).
    const s = CONTINUUM_PRIOR_STRENGTH;
    return lg + Math.log(s * p.prior + kn) - Math.log(s + kn);
  }
  const lr = Math.log(p.prior);
  const lr1 = Math.log1p(-p.prior);
  const lb = Math.log(p.outOfDistribution);
  return lse2(lr + (kn + 1) * lg, lr1 + (kn + 1) * lb) - lse2(lr + kn * lg, lr1 + kn * lb);
}

/** P_n under the law. */
export function lawP(p: ScalingLawParams, n: number): number {
  return Math.exp(lawLnP(p, n));
}

/** A curve point: k examples shown, the target's probability in bits (−log2 P_k). */
export interface CurvePoint {
  readonly k: number;
  readonly bits: number;
}

export interface ScalingLawFit {
  readonly params: ScalingLawParams;
  /** How many free parameters the form has (4 for two tasks, 3 for the continuum). */
  readonly parameterCount: number;
  /** Per point, log2 P_k (measured) − log2 P̂_k (fitted), in bits. */
  readonly residualBits: readonly number[];
  /** √(mean squared residual) in bits. */
  readonly rmsResidualBits: number;
  readonly maxAbsResidualBits: number;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));

/**
 * A form in unconstrained coordinates with bounds that keep every probability
 * inside float64 and K within 10^±3, so no fit runs off to a degenerate corner.
 */
interface Form {
  readonly name: ScalingLawForm;
  readonly lower: readonly number[];
  readonly upper: readonly number[];
  readonly params: (u: readonly number[]) => ScalingLawParams;
  readonly starts: (maxP: number) => number[][];
}

const EFFICIENCY_STARTS = [0.2, 1, 5];
const ceilingStarts = (maxP: number) => [Math.min(0.999, Math.max(0.01, maxP)), Math.min(0.999999, (1 + maxP) / 2)];

/** Two tasks: ρ = σ(u0), γ = σ(u1), β = γ·σ(u2), K = exp(u3). */
const TWO_TASKS: Form = {
  name: 'two tasks',
  lower: [-20, -12, -30, Math.log(1e-3)],
  upper: [20, 30, -1e-3, Math.log(1e3)],
  params: (u) => {
    const gamma = sigmoid(u[1]);
    return { form: 'two tasks', prior: sigmoid(u[0]), inDistribution: gamma, outOfDistribution: gamma * sigmoid(u[2]), efficiency: Math.exp(u[3]) };
  },
  starts: (maxP) => [0.02, 0.3, 0.9].flatMap((prior) => ceilingStarts(maxP).flatMap((gamma) => [0.01, 0.5].flatMap((ratio) =>
    EFFICIENCY_STARTS.map((k) => [logit(prior), logit(gamma), logit(ratio), Math.log(k)])))),
};

/** A continuum of tasks: ρ = σ(u0), γ = σ(u1), K = exp(u2). */
const CONTINUUM: Form = {
  name: 'task continuum',
  lower: [-20, -12, Math.log(1e-3)],
  upper: [20, 30, Math.log(1e3)],
  params: (u) => ({ form: 'task continuum', prior: sigmoid(u[0]), inDistribution: sigmoid(u[1]), outOfDistribution: null, efficiency: Math.exp(u[2]) }),
  starts: (maxP) => [0.02, 0.3, 0.9].flatMap((prior) => ceilingStarts(maxP).flatMap((gamma) =>
    EFFICIENCY_STARTS.map((k) => [logit(prior), logit(gamma), Math.log(k)]))),
};

const clampU = (form: Form, u: readonly number[]) => u.map((x, i) => Math.min(form.upper[i], Math.max(form.lower[i], x)));

/** Residuals in bits: log2 P_k (measured) − log2 P̂_k. */
function residuals(form: Form, u: readonly number[], points: readonly CurvePoint[]): number[] {
  const p = form.params(u);
  return points.map((pt) => -pt.bits - lawLnP(p, pt.k) * LOG2E);
}

const sumSq = (r: readonly number[]) => r.reduce((a, x) => a + x * x, 0);

/** Solve the small symmetric system A x = b by Gaussian elimination with partial pivoting (null when singular). */
function solve(a: number[][], b: number[]): number[] | null {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) piv = r;
    if (Math.abs(m[piv][c]) < 1e-300) return null;
    [m[c], m[piv]] = [m[piv], m[c]];
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let j = c; j <= n; j++) m[r][j] -= f * m[c][j];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let j = r + 1; j < n; j++) s -= m[r][j] * x[j];
    x[r] = s / m[r][r];
  }
  return x.every(Number.isFinite) ? x : null;
}

/**
 * Levenberg–Marquardt from `start`, projected onto the bounds: a numerical
 * (central-difference) Jacobian, the damping raised on a failed step and
 * lowered on a good one. Returns the best point reached.
 */
function levenbergMarquardt(form: Form, start: readonly number[], points: readonly CurvePoint[], iterations: number): { u: number[]; cost: number } {
  let u = clampU(form, start);
  let r = residuals(form, u, points);
  let cost = sumSq(r);
  let lambda = 1e-2;
  const h = 1e-6;
  for (let it = 0; it < iterations && Number.isFinite(cost); it++) {
    const jac = points.map(() => new Array<number>(u.length).fill(0));
    for (let j = 0; j < u.length; j++) {
      const up = [...u];
      const dn = [...u];
      up[j] += h;
      dn[j] -= h;
      const rp = residuals(form, up, points);
      const rd = residuals(form, dn, points);
      for (let i = 0; i < points.length; i++) jac[i][j] = (rp[i] - rd[i]) / (2 * h);
    }
    // Normal equations of the linearised residuals r + J δ.
    const jtj = u.map((_, a) => u.map((__, b) => jac.reduce((s, row) => s + row[a] * row[b], 0)));
    const jtr = u.map((_, a) => jac.reduce((s, row, i) => s - row[a] * r[i], 0));
    let improved = false;
    while (lambda < 1e12) {
      const damped = jtj.map((row, a) => row.map((v, b) => (a === b ? v + lambda * (v + 1e-12) : v)));
      const step = solve(damped, jtr);
      if (step) {
        const next = clampU(form, u.map((x, j) => x + step[j]));
        const rn = residuals(form, next, points);
        const cn = sumSq(rn);
        if (Number.isFinite(cn) && cn < cost) {
          improved = cost - cn > 1e-12 * cost;
          u = next;
          r = rn;
          cost = cn;
          lambda = Math.max(1e-12, lambda / 3);
          break;
        }
      }
      lambda *= 4;
    }
    if (!improved) break;
  }
  return { u, cost };
}

/** Starts scouted briefly, then the best few polished to convergence: most starts lead to the same basin. */
const SCOUT_ITERATIONS = 15;
const POLISHED = 3;

/**
 * The least-squares fit of one form: Levenberg–Marquardt from each of its
 * fixed starts for a few steps, the lowest few run on to convergence, the
 * lowest cost kept (ties to the earlier start). Deterministic.
 */
function fitForm(form: Form, points: readonly CurvePoint[]): ScalingLawFit {
  const maxP = Math.max(...points.map((pt) => 2 ** -pt.bits));
  const scouted = form.starts(maxP).map((start, i) => ({ i, ...levenbergMarquardt(form, start, points, SCOUT_ITERATIONS) }));
  scouted.sort((a, b) => a.cost - b.cost || a.i - b.i);
  let best: { u: number[]; cost: number } | null = null;
  for (const s of scouted.slice(0, POLISHED)) {
    const run = levenbergMarquardt(form, s.u, points, 300);
    if (!best || run.cost < best.cost - 1e-15) best = run;
  }
  const u = best!.u;
  const residualBits = residuals(form, u, points);
  return {
    params: form.params(u),
    parameterCount: form.lower.length,
    residualBits,
    rmsResidualBits: Math.sqrt(sumSq(residualBits) / Math.max(1, residualBits.length)),
    maxAbsResidualBits: Math.max(0, ...residualBits.map(Math.abs)),
  };
}

/** Bayesian information criterion of a least-squares fit (the floor keeps an exact fit finite). */
function bic(fit: ScalingLawFit): number {
  const n = fit.residualBits.length;
  return n * Math.log(fit.rmsResidualBits ** 2 + 1e-24) + fit.parameterCount * Math.log(n);
}

/**
 * The law fitted to `points` (residuals in bits, so a point at P = 0.001 weighs
 * as much as one at 0.9): both task sets are fitted and the one with the lower
 * Bayesian information criterion is kept, so the fourth parameter of the two
 * tasks must earn its place. Deterministic.
 */
export function fitScalingLaw(points: readonly CurvePoint[]): ScalingLawFit {
  const continuum = fitForm(CONTINUUM, points);
  const two = fitForm(TWO_TASKS, points);
  return bic(two) < bic(continuum) ? two : continuum;
}

/** The form's fit alone (tests and docs compare the two). */
export function fitScalingLawForm(form: ScalingLawForm, points: readonly CurvePoint[]): ScalingLawFit {
  return fitForm(form === 'two tasks' ? TWO_TASKS : CONTINUUM, points);
}
