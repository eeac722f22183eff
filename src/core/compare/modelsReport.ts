/** The CLI's words and JSON for a two-model comparison (`icl-lens compare`). */
import type { Analysis, TokenStat } from '../analysis';
import { formatProbability } from '../format';
import { visibleText } from '../visibleText';
import type { ModelComparison } from './modelsComparison';
import type { Distribution } from './modelsSummary';

/** The `compare --json` object. */
export function comparisonJson(c: ModelComparison): object {
  const side = (x: Analysis) => ({ model: x.model, tokens: x.tokens });
  const tokenText = (x: Analysis, id: number) => x.tokens.find((t) => t.id === id)?.text ?? x.tokens.flatMap((t) => t.top).find((t) => t.id === id)?.text ?? null;
  return {
    modelA: c.a.model,
    modelB: c.b.model,
    mode: c.mode,
    vocabulary: c.vocabulary,
    memory: c.memory,
    summary: c.summary,
    cells: c.cells,
    positions: c.positions.map((p) => {
      const t = c.a.tokens[p.index];
      return { ...p, start: t.start, end: t.end, text: t.text, sameTop: p.topA === p.topB, deltaP: p.pB - p.pA, topAText: tokenText(c.a, p.topA), topBText: tokenText(c.b, p.topB) };
    }),
    spans: c.spans.map((s) => ({ ...s, text: c.a.text.slice(s.start, s.end) })),
    a: side(c.a),
    b: side(c.b),
  };
}

const bits = (x: number | null | undefined, digits = 3) => (x === null || x === undefined ? '—' : x.toFixed(digits));
const pct = (x: number) => `${(100 * x).toFixed(3)}%`;

function distributionLine(label: string, d: Distribution | null, f: (x: number) => string): string {
  if (d === null) return `${label}: —`;
  return `${label}: mean ${f(d.mean)}, median ${f(d.median)}, 90% ${f(d.p90)}, 99% ${f(d.p99)}, max ${f(d.max)}, min ${f(d.min)}`;
}

/** A table of tokens (KL mode) or aligned spans, then the summary in llama.cpp's terms. */
export function renderComparison(c: ModelComparison): string {
  const lines = [
    `A: ${c.a.model.name} (${c.a.model.path})`,
    `B: ${c.b.model.name} (${c.b.model.path})`,
    c.vocabulary,
    c.memory,
    '',
  ];
  if (c.mode === 'kl') {
    lines.push('index\ttoken\tKL(A||B) bits\tp_A\tp_B\tsame top');
    for (const p of c.positions) {
      lines.push([p.index, visibleText(c.a.tokens[p.index].text), bits(p.klBits, 4), formatProbability(p.pA), formatProbability(p.pB), p.topA === p.topB ? 'yes' : 'no'].join('\t'));
    }
  } else {
    lines.push('span\ttext\tbits A\tbits B\tΔ (B − A)\ttokens A\ttokens B');
    c.spans.forEach((s, k) => {
      lines.push([k, visibleText(c.a.text.slice(s.start, s.end)), bits(s.surprisalA), bits(s.surprisalB), bits(s.deltaBits), s.a[1] - s.a[0], s.b[1] - s.b[0]].join('\t'));
    });
  }
  lines.push('');
  const kl = c.summary.kl;
  if (kl !== null) {
    lines.push(
      `KL(A||B) over ${kl.positions} positions, bits — ${distributionLine('KL', kl.klBits, (x) => x.toFixed(4)).slice(4)}`,
      `same top: ${pct(kl.sameTop)} of positions`,
      `Δp = p_B − p_A of the written token — ${distributionLine('Δp', kl.deltaP, pct).slice(4)}, RMS ${pct(kl.deltaP.rms)}`,
    );
  }
  const s = c.summary.spans;
  lines.push(
    `${s.scored} aligned spans: A needs ${bits(s.bitsA, 2)} bits, B ${bits(s.bitsB, 2)} bits (${s.bitsB <= s.bitsA ? 'B' : 'A'} reads this text better)`,
    distributionLine('|Δ surprisal| per span, bits', s.absDelta, (x) => x.toFixed(3)),
  );
  return lines.join('\n');
}

/** A token's line for the side-by-side hover: p, surprisal, rank. */
export function tokenNumbers(t: TokenStat | undefined): string {
  if (t === undefined) return '—';
  if (t.surprisal === null) return 'no distribution';
  return `p ${formatProbability(t.p)} · ${bits(t.surprisal, 2)} bits · rank ${t.rank}`;
}
