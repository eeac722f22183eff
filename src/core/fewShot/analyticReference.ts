/**
 * The analytic reference a few-shot prompt may declare (`reference:` in its
 * front matter): which of its two candidates each example's output counts for,
 * and the Bayes predictive over the two after k examples. Coin and labels
 * compare whole outputs (a label is its text); format compares the output's
 * first word, so every query counts for the query candidate whatever entities
 * it names (`SUM(runs) …` and `SUM(sixes) …` are both "SUM").
 */
import { coinPredictive, formatPredictive, labelsPredictive } from '../windTunnel/tasks';

export type ReferenceTask = 'coin' | 'labels' | 'format';
export const REFERENCE_TASKS: readonly ReferenceTask[] = ['coin', 'labels', 'format'];

export interface AnalyticReference {
  readonly task: ReferenceTask;
  /** labels: P(shown label = hidden label); format: P(an answer uses the hidden format). */
  readonly alpha: number;
}

/** The first word of a text (a run of letters, digits or _), else its first visible character. */
export function leadingWord(text: string): string {
  return /^\s*(\w+|\S)/.exec(text)?.[1] ?? '';
}

function key(task: ReferenceTask): (text: string) => string {
  return task === 'format' ? leadingWord : (text) => text.trim();
}

/** The index of the candidate `output` counts for, or null when it counts for neither. */
export function referenceSide(task: ReferenceTask, output: string, candidates: ReadonlyArray<{ readonly text: string }>): number | null {
  const k = key(task);
  const i = candidates.findIndex((c) => k(c.text) === k(output));
  return i < 0 ? null : i;
}

/** The analytic predictive over the two candidates after examples counting `a` for the first and `b` for the second. */
export function referencePredictive(ref: AnalyticReference, a: number, b: number): [number, number] {
  const q = ref.task === 'coin' ? coinPredictive(a, a + b) : ref.task === 'labels' ? labelsPredictive(a, b, ref.alpha) : formatPredictive(a, b, ref.alpha);
  return [q, 1 - q];
}

/** Why the declared reference cannot be drawn, or does not read some example outputs; null when it can. */
export function referenceProblem(o: { readonly reference: AnalyticReference | null; readonly candidates: ReadonlyArray<{ readonly name: string; readonly text: string }> }, outputs: readonly string[]): string | null {
  const ref = o.reference;
  if (!ref) return null;
  if (o.candidates.length !== 2) return `The ${ref.task} reference needs exactly two candidates (found ${o.candidates.length}).`;
  if (ref.task !== 'format') return null;
  const [a, b] = o.candidates.map((c) => leadingWord(c.text));
  if (a === b) return `The format reference tells the formats apart by the answer's first word, and both candidates start with "${a}".`;
  const stray = outputs.findIndex((out) => referenceSide('format', out, o.candidates) === null);
  if (stray < 0) return null;
  return `The format reference counts each example's answer by its first word, "${a}" (${o.candidates[0].name}) or "${b}" (${o.candidates[1].name}); example ${stray + 1} starts with "${leadingWord(outputs[stray])}" and counts for neither.`;
}
