/**
 * The hover of the model comparison: the divergence at the hovered token (KL
 * or the aligned span's Δ surprisal), then both models' numbers and their top
 * alternatives side by side, in one code block so the columns line up.
 */
import type { TokenStat } from '../analysis';
import { formatProbability } from '../format';
import { visibleText } from '../visibleText';
import type { ModelComparison } from './modelsComparison';
import { tokenNumbers } from './modelsReport';

/** Alternatives per side in the hover. */
export const COMPARE_HOVER_TOP = 5;

/** The token of `tokens` whose span holds `offset`, or an empty-spanned one starting there. */
function tokenAt(tokens: readonly TokenStat[], offset: number): TokenStat | undefined {
  return tokens.find((t) => t.start <= offset && offset < t.end);
}

const width = (s: string) => [...s].length;
const padEnd = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - width(s)));

/** Markdown for the hover at `offset`, or undefined when no compared token is there. */
export function comparisonHover(c: ModelComparison, offset: number): string | undefined {
  const ta = tokenAt(c.a.tokens, offset);
  const tb = tokenAt(c.b.tokens, offset);
  if (ta === undefined && tb === undefined) return undefined;
  let headline: string;
  if (c.mode === 'kl') {
    const p = ta === undefined ? undefined : c.positions.find((x) => x.index === ta.index);
    headline = p === undefined
      ? 'no distribution before this token'
      : `KL(A‖B) **${p.klBits.toFixed(3)} bits** · Δp ${(p.pB - p.pA >= 0 ? '+' : '')}${formatProbability(p.pB - p.pA).replace(/^-/, '−')} · ${p.topA === p.topB ? 'same top' : 'different top'}`;
  } else {
    const span = c.spans.find((s) => s.start <= offset && offset < s.end);
    headline = span === undefined || span.deltaBits === null
      ? 'no surprisal for this span under one of the models'
      : `span ${'`'}${visibleText(c.a.text.slice(span.start, span.end))}${'`'}: Δ surprisal (B − A) **${span.deltaBits >= 0 ? '+' : '−'}${Math.abs(span.deltaBits).toFixed(3)} bits** (A ${span.surprisalA!.toFixed(2)}, B ${span.surprisalB!.toFixed(2)})`;
  }
  const colA = [`A: ${c.a.model.name}`, `token ${visibleText(ta?.text ?? '—')}`, tokenNumbers(ta), ...alternatives(ta)];
  const colB = [`B: ${c.b.model.name}`, `token ${visibleText(tb?.text ?? '—')}`, tokenNumbers(tb), ...alternatives(tb)];
  const w = Math.max(...colA.map(width));
  const rows = Array.from({ length: Math.max(colA.length, colB.length) }, (_, i) => `${padEnd(colA[i] ?? '', w)}  │ ${colB[i] ?? ''}`.trimEnd());
  const runs = rows.join('\n').match(/`+/g) ?? [];
  const fence = '`'.repeat(Math.max(2, ...runs.map((r) => r.length)) + 1);
  return [`**ICL Lens · compare** · ${headline}`, [`${fence}text`, ...rows, fence].join('\n')].join('\n\n');
}

function alternatives(t: TokenStat | undefined): string[] {
  if (t === undefined) return [];
  return t.top.slice(0, COMPARE_HOVER_TOP).map((alt, i) => `${i + 1} ${visibleText(alt.text)} ${formatProbability(alt.p)}${alt.id === t.id ? ' ◀' : ''}`);
}
