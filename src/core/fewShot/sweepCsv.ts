/** The sweep as CSV: one row per k, the example k's numbers on row k (RFC 4180 quoting). */
import type { SweepResult } from './sweep';

export function sweepCsv(r: SweepResult): string {
  const names = r.candidates.map((c) => c.name);
  const head = ['k', 'targetBits', 'targetP', ...names.map((n) => `posterior.${n}`), ...(r.reference ? names.map((n) => `reference.${n}`) : []),
    'coverage', 'coverageBits', 'formatMass', 'answerEntropy', 'informationGainBits', 'prequentialBits', 'looDeltaBits', 'looEffect'];
  const rows = r.ks.map((k) => {
    const ex = k.k > 0 ? r.examples[k.k - 1] : undefined;
    return [
      k.k, k.targetBits, k.targetBits === null ? null : 2 ** -k.targetBits,
      ...names.map((n) => k.posterior[n]), ...(r.reference ? names.map((n) => k.referencePosterior?.[n]) : []),
      k.coverage, k.coverageBits, k.formatMass, k.answerEntropy, k.informationGainBits, ex?.prequentialBits, ex?.looDeltaBits, ex?.looEffect,
    ];
  });
  return [head.map(cell), ...rows.map((row) => row.map(cell))].map((row) => row.join(',')).join('\r\n') + '\r\n';
}

function cell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
