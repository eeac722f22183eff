/** Two models' few-shot sweeps of the same prompt, side by side (`icl-lens sweep --model A --model B`). */
import type { SweepResult } from '../fewShot/sweep';
import { renderSweep } from '../fewShot/sweepReport';

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
