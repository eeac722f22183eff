/**
 * Wind-tunnel tasks: sequences whose Bayes-optimal predictive is known in closed
 * form at every position (Misra et al., arXiv 2512.22471; SULA, 2512.23752). Each
 * task generates a prompt from a seed and says, for each prediction slot, where it
 * starts in the text, which symbols compete there and the analytic predictive.
 */
import { mulberry32 } from '../seededRandom';

export type WindTunnelTaskName = 'coin' | 'labels' | 'bijection' | 'format';
export const WIND_TUNNEL_TASKS: readonly WindTunnelTaskName[] = ['coin', 'labels', 'bijection', 'format'];

/** Labels task: the default P(shown label = hidden label). */
export const LABELS_ALPHA = 0.8;
/** Format task: the default P(an answer uses the hidden format). */
export const FORMAT_ALPHA = 0.9;

/** One prediction slot: the symbol written at `offset` is predicted from the text before it. */
export interface Slot {
  /** Index of the slot within its sequence (position t). */
  readonly t: number;
  /** UTF-16 offset where the predicted symbol starts. */
  readonly offset: number;
  /** The competing symbols (their text as written after the separator). */
  readonly symbols: readonly string[];
  /** The analytic predictive over `symbols`. */
  readonly analytic: readonly number[];
}

export interface WindTunnelSequence {
  readonly text: string;
  readonly slots: readonly Slot[];
}

export interface TaskOptions {
  /** Number of observations per sequence (flips, labels, or question–answer examples); bijection ignores it. */
  readonly length?: number;
  /** Labels task: probability that a shown label equals the hidden one; format task: that an answer uses the hidden format. */
  readonly alpha?: number;
  /** Bijection task: number of keys (and values), 2..10. */
  readonly size?: number;
}

/** Coin flips with a uniform prior on p: predictive q(H) = (n_H + 1) / (n + 2) (Laplace's rule). */
export function coinPredictive(heads: number, n: number): number {
  return (heads + 1) / (n + 2);
}

/**
 * Two noisy labels: a hidden label y ∈ {A, B} (prior ½ each); each shown label
 * equals y with probability α. Posterior P(y = A) ∝ α^match_A (1−α)^mismatch_A;
 * returns the predictive probability that the next shown label is A.
 */
export function labelsPredictive(shownA: number, shownB: number, alpha: number): number {
  // Work with the log-odds so long sequences do not underflow.
  const logOdds = (shownA - shownB) * (Math.log(alpha) - Math.log(1 - alpha));
  const postA = 1 / (1 + Math.exp(-logOdds));
  return postA * alpha + (1 - postA) * (1 - alpha);
}

/**
 * Answer formats: a hidden format (prior ½) and each answer in it with
 * probability α: the same closed form as two noisy labels, over the answers
 * seen so far in the DSL and in English. Returns P(the next answer is DSL).
 */
export function formatPredictive(dslAnswers: number, englishAnswers: number, alpha: number): number {
  return labelsPredictive(dslAnswers, englishAnswers, alpha);
}

/** Bijection elimination: the value of a new key is uniform over the values not yet used. */
export function bijectionPredictive(values: readonly string[], used: ReadonlySet<string>): number[] {
  const free = values.filter((v) => !used.has(v)).length;
  return values.map((v) => (used.has(v) ? 0 : 1 / free));
}

/** Generate one sequence of `task` from `seed`. */
export function generateSequence(task: WindTunnelTaskName, seed: number, options: TaskOptions = {}): WindTunnelSequence {
  const rand = mulberry32(seed);
  switch (task) {
    case 'coin': return coinSequence(rand, options.length ?? 24);
    case 'labels': return labelsSequence(rand, options.length ?? 16, options.alpha ?? LABELS_ALPHA);
    case 'bijection': return bijectionSequence(rand, Math.min(10, Math.max(2, options.size ?? 6)));
    case 'format': return formatSequence(rand, options.length ?? 6, options.alpha ?? FORMAT_ALPHA);
  }
}

/**
 * The format task's small language: cricket questions (a player, a statistic
 * and a year or a venue) and their answers, either as a query
 * (`SUM(runs) WHERE player=kohli AND year=2019`) or as English
 * (`total runs by kohli in 2019`), the entities copied from the question.
 * The two formats start with different characters (`S`, `t`), so the model's
 * probability of the answer's first token is its predictive over formats.
 */
export const FORMAT_LANGUAGE = {
  header: 'stats:\n',
  players: ['kohli', 'root', 'smith', 'babar', 'stokes', 'warner', 'rahul', 'starc'],
  stats: ['runs', 'wickets', 'catches', 'sixes'],
  years: ['2019', '2020', '2021', '2022', '2023'],
  venues: ['lords', 'eden', 'mcg', 'oval'],
} as const;

/** A question of the format task and its answer in either format. */
export interface FormatExample {
  readonly player: string;
  readonly stat: string;
  readonly field: 'year' | 'venue';
  readonly value: string;
}

export function formatQuestion(e: FormatExample): string {
  return `q: ${e.player} ${e.stat} ${e.value}`;
}

export function formatAnswer(e: FormatExample, dsl: boolean): string {
  return dsl
    ? `SUM(${e.stat}) WHERE player=${e.player} AND ${e.field}=${e.value}`
    : `total ${e.stat} by ${e.player} ${e.field === 'year' ? 'in' : 'at'} ${e.value}`;
}

function formatSequence(rand: () => number, length: number, alpha: number): WindTunnelSequence {
  if (!(alpha > 0.5 && alpha < 1)) throw new RangeError(`alpha must be in (0.5, 1), got ${alpha}`);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const L = FORMAT_LANGUAGE;
  const hiddenDsl = rand() < 0.5;
  let text: string = L.header;
  const slots: Slot[] = [];
  let dslAnswers = 0;
  let englishAnswers = 0;
  for (let t = 0; t < length; t++) {
    const field = rand() < 0.5 ? 'year' : 'venue';
    const example: FormatExample = { player: pick(L.players), stat: pick(L.stats), field, value: pick(field === 'year' ? L.years : L.venues) };
    text += `${formatQuestion(example)}\na: `;
    const q = formatPredictive(dslAnswers, englishAnswers, alpha);
    slots.push({ t, offset: text.length, symbols: ['S', 't'], analytic: [q, 1 - q] });
    const dsl = (rand() < alpha) === hiddenDsl;
    text += `${formatAnswer(example, dsl)}\n`;
    if (dsl) dslAnswers++;
    else englishAnswers++;
  }
  return { text, slots };
}

function coinSequence(rand: () => number, length: number): WindTunnelSequence {
  const p = rand();
  let text = 'flips:';
  const slots: Slot[] = [];
  let heads = 0;
  for (let t = 0; t < length; t++) {
    text += ' ';
    const q = coinPredictive(heads, t);
    slots.push({ t, offset: text.length, symbols: ['H', 'T'], analytic: [q, 1 - q] });
    const head = rand() < p;
    text += head ? 'H' : 'T';
    if (head) heads++;
  }
  return { text: `${text}\n`, slots };
}

function labelsSequence(rand: () => number, length: number, alpha: number): WindTunnelSequence {
  if (!(alpha > 0.5 && alpha < 1)) throw new RangeError(`alpha must be in (0.5, 1), got ${alpha}`);
  const hiddenA = rand() < 0.5;
  let text = 'labels:';
  const slots: Slot[] = [];
  let a = 0;
  let b = 0;
  for (let t = 0; t < length; t++) {
    text += ' ';
    const q = labelsPredictive(a, b, alpha);
    slots.push({ t, offset: text.length, symbols: ['A', 'B'], analytic: [q, 1 - q] });
    const showsHidden = rand() < alpha;
    const shownA = showsHidden === hiddenA;
    text += shownA ? 'A' : 'B';
    if (shownA) a++;
    else b++;
  }
  return { text: `${text}\n`, slots };
}

function bijectionSequence(rand: () => number, size: number): WindTunnelSequence {
  const keys = 'abcdefghij'.slice(0, size).split('');
  const values = '0123456789'.slice(0, size).split('');
  const shuffled = (xs: string[]) => {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  };
  const image = shuffled(values);
  const order = shuffled(keys.map((_, i) => String(i)));
  // The header says how many keys (and values) there are, so the analytic predictive is the Bayes one for the text.
  let text = `map ${size}:`;
  const used = new Set<string>();
  const slots: Slot[] = [];
  order.forEach((ki, t) => {
    const k = Number(ki);
    text += ` ${keys[k]}=`;
    slots.push({ t, offset: text.length, symbols: values, analytic: bijectionPredictive(values, used) });
    text += image[k];
    used.add(image[k]);
  });
  return { text: `${text}\n`, slots };
}
