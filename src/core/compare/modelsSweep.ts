/** Two models' few-shot sweeps of the same prompt, side by side (`icl-lens sweep --model A --model B`, the panel's curves under both models). */
import type { SweepResult } from '../fewShot/sweep';
import { LOW_COVERAGE } from '../fewShot/posteriorMath';
import { renderSweep } from '../fewShot/sweepReport';
import { num, type Verdict } from '../fewShot/verdicts';

const f = (x: number | null | undefined, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));

/** One row per k: target bits and each candidate's posterior under A and B; then each sweep in full. */
export function renderSweepPair(a: SweepResult, b: SweepResult): string {
  const names = a.candidates.map((c) => c.name);
  const head = ['k', 'target bits A', 'target bits B', ...names.flatMap((n) => [`P(${n}) A`, `P(${n}) B`]), 'preq bits A', 'preq bits B'];
  const rows = a.ks.map((ka, i) => {
    const kb = b.ks[i];
    const ex = (r: SweepResult) => (ka.k > 0 ? r.examples[ka.k - 1]?.prequentialBits : undefined);
    return [String(ka.k), f(ka.targetBits), f(kb?.targetBits), ...names.flatMap((n) => [f(ka.posterior[n]), f(kb?.posterior[n])]), f(ex(a)), f(ex(b))];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  return [
    `sweep under two models: A ${a.model.name}, B ${b.model.name} (one after the other)`,
    '',
    line(head),
    ...rows.map(line),
    '',
    '── A ──',
    renderSweep(a),
    '',
    '── B ──',
    renderSweep(b),
  ].join('\n');
}

/** What a pair verdict reads of each model's sweep (a partial sweep too: it reads the last k both have). */
export type SweepSide = Pick<SweepResult, 'target' | 'candidates' | 'toleranceBits'> & {
  readonly ks: ReadonlyArray<Pick<SweepResult['ks'][number], 'k' | 'targetBits' | 'posterior' | 'coverage'>>;
};

/**
 * One line comparing A's and B's sweeps at the last k both have: the posterior
 * of the target when it is a candidate (else of A's most probable candidate),
 * where both models' candidates hold at least 1e-6 of the probability; else
 * P(target), with the difference in bits (within the tolerance: no measurable
 * difference). Undefined when there is nothing to compare.
 */
export function sweepPairVerdict(a: SweepSide, b: SweepSide): Verdict | undefined {
  const bByK = new Map(b.ks.map((k) => [k.k, k]));
  const ka = [...a.ks].reverse().find((k) => bByK.has(k.k));
  if (!ka) return undefined;
  const kb = bByK.get(ka.k)!;
  const names = a.candidates.map((c) => c.name).filter((n) => typeof ka.posterior[n] === 'number' && typeof kb.posterior[n] === 'number');
  const covered = (k: { coverage: number | null }) => k.coverage !== null && k.coverage >= LOW_COVERAGE;
  if (names.length > 0 && covered(ka) && covered(kb)) {
    const target = a.candidates.find((c) => a.target !== null && (c.text === a.target || c.name === a.target || c.text.trim() === a.target.trim()))?.name;
    const name = target !== undefined && names.includes(target) ? target : names.reduce((x, y) => (ka.posterior[y] > ka.posterior[x] ? y : x));
    return { tone: 'neutral', text: `At k = ${ka.k}: A puts ${num(ka.posterior[name])} on “${name}”, B ${num(kb.posterior[name])}.` };
  }
  if (ka.targetBits === null || kb.targetBits === null) return undefined;
  const diff = kb.targetBits - ka.targetBits;
  const tol = Math.max(a.toleranceBits, b.toleranceBits);
  const p = (bits: number) => (2 ** -bits > 0 ? num(2 ** -bits) : `2^−${num(bits)}`);
  const reading = Math.abs(diff) <= tol ? `no measurable difference (within ±${tol} bits)` : `${diff > 0 ? 'B' : 'A'} needs ${num(Math.abs(diff))} more bits for it`;
  return { tone: 'neutral', text: `At k = ${ka.k}: P(target) is ${p(ka.targetBits)} under A, ${p(kb.targetBits)} under B: ${reading}.` };
}
