/** The hover for one analysed token, as Markdown (pure, so it can be snapshot-tested). */
import type { Alternative, Metric, TokenStat } from './analysis';
import { bar, formatBits, formatProbability } from './format';
import { codeSpan, escapeMarkdown, visibleText } from './visibleText';

export interface HoverOptions {
  readonly metric: Metric;
  readonly modelName: string;
  readonly topK: number;
}

/** A table of alternatives with probability bars; the written token is marked. */
export function alternativesTable(top: readonly Alternative[], k: number, writtenId: number | null): string {
  const rows = top.slice(0, k).map((a, i) => {
    const mark = a.id === writtenId ? ' ◀' : '';
    return `| ${i + 1} | ${tableCell(codeSpan(visibleText(a.text)))}${mark} | ${formatProbability(a.p)} | ${codeSpan(bar(a.p) || '▏')} |`;
  });
  return ['| # | token | p | |', '|--:|---|--:|---|', ...rows].join('\n');
}

/** Markdown for the hover over `token`. */
export function hoverMarkdown(token: TokenStat, options: HoverOptions): string {
  const head = `**ICL Lens** · ${codeSpan(visibleText(token.text))} · id ${token.id}`;
  if (token.surprisal === null) {
    return `${head}\n\nNothing precedes this token, so the model gave no distribution for it.`;
  }
  const emphasis = (m: Metric, s: string) => (options.metric === m ? `**${s}**` : s);
  const stats = [
    '| | |',
    '|---|--:|',
    `| p | ${formatProbability(token.p)} |`,
    `| ${emphasis('surprisal', 'surprisal')} | ${formatBits(token.surprisal)} |`,
    `| ${emphasis('entropy', 'entropy')} | ${formatBits(token.entropy)} |`,
    `| rank | ${token.rank ?? '—'} |`,
  ].join('\n');
  const k = Math.min(options.topK, token.top.length);
  return [
    head,
    stats,
    // The name comes from the model file's metadata: literal text, never links in a trusted hover.
    `Top ${k} for this slot (${escapeMarkdown(options.modelName)}):`,
    alternativesTable(token.top, k, token.id),
  ].join('\n\n');
}

/** A GFM table splits cells at `|` even inside code spans; escaped, it stays in the cell. */
function tableCell(markdown: string): string {
  return markdown.replace(/\|/g, '\\|');
}
