/**
 * The hover for one analysed token, as Markdown (pure, so it can be snapshot-tested).
 * Compact, so that all of it, the top 10 included, fits VS Code's hover without
 * scrolling (at most 250 px tall, 500 px wide, on an ordinary screen): a header
 * line with the actions, a line of numbers, then one code line per alternative.
 */
import type { Alternative, Metric, TokenStat } from './analysis';
import { bar, formatBits, formatProbability } from './format';
import type { ClusterPart } from './graphemes';
import { levelCaption, swatchHtml } from './heatmapPalette';
import { levelOf, metricValue } from './heatmapScale';
import { codeSpan, visibleText } from './visibleText';

export interface HoverOptions {
  readonly metric: Metric;
  readonly topK: number;
  /** Top of the colour scale (iclLens.heatmap.scaleMaxBits): the token's level. */
  readonly maxBits: number;
  /** The character the token is only part of (an emoji split into several tokens), if it is. */
  readonly cluster?: ClusterPart;
  /** Markdown put at the end of the header line (short command links). */
  readonly action?: string;
}

/** What marks the written token among the alternatives. */
export const YOUR_TOKEN = '◀ your token';

/** A fenced code block that survives backticks inside `lines`. */
function codeBlock(lines: readonly string[]): string {
  const runs = lines.join('\n').match(/`+/g) ?? [];
  const fence = '`'.repeat(Math.max(2, ...runs.map((r) => r.length)) + 1);
  return [`${fence}text`, ...lines, fence].join('\n');
}

const width = (s: string) => [...s].length;
const padEnd = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - width(s)));

/** The alternatives, one aligned code line each (rank, token, p, bar); the written token is marked. */
export function alternativesBlock(top: readonly Alternative[], k: number, writtenId: number | null): string {
  const rows = top.slice(0, k).map((a, i) => ({ rank: String(i + 1), text: visibleText(a.text), p: formatProbability(a.p), bar: bar(a.p) || '▏', mine: a.id === writtenId }));
  const w = (f: (r: (typeof rows)[number]) => string) => Math.max(0, ...rows.map((r) => width(f(r))));
  const [wr, wt, wp, wb] = [w((r) => r.rank), w((r) => r.text), w((r) => r.p), w((r) => r.bar)];
  return codeBlock(rows.map((r) => `${r.rank.padStart(wr)}  ${padEnd(r.text, wt)}  ${r.p.padStart(wp)}  ${r.mine ? `${padEnd(r.bar, wb)}  ${YOUR_TOKEN}` : r.bar}`.trimEnd()));
}

/** Markdown (with one HTML swatch) for the hover over `token`. */
export function hoverMarkdown(token: TokenStat, options: HoverOptions): string {
  const value = metricValue(token, options.metric);
  const level = value === null ? null : levelOf(value, options.maxBits);
  const head = [
    `${level === null ? '' : `${swatchHtml(level)} `}**ICL Lens**`,
    codeSpan(visibleText(token.text)),
    ...(level === null ? [] : [levelCaption(level, options.maxBits)]),
    // Without numbers there is no second line: the id stays up here.
    ...(token.surprisal === null ? [`id ${token.id}`] : []),
    ...(options.action ? [options.action] : []),
  ].join(' · ');
  const cluster = options.cluster
    ? `part of ${codeSpan(visibleText(options.cluster.text))} (token ${options.cluster.position} of ${options.cluster.count})`
    : undefined;
  if (token.surprisal === null) {
    return [[head, cluster].filter(Boolean).join('\\\n'), 'Nothing precedes this token, so the model gave no distribution for it.'].join('\n\n');
  }
  const emphasis = (m: Metric, s: string) => (options.metric === m ? `**${s}**` : s);
  const numbers = [
    `p ${formatProbability(token.p)}`,
    `rank ${token.rank ?? '—'}`,
    emphasis('surprisal', `surprisal ${formatBits(token.surprisal)}`),
    emphasis('entropy', `entropy ${formatBits(token.entropy)}`),
    `id ${token.id}`,
  ].join(' · ');
  const k = Math.min(options.topK, token.top.length);
  return [
    [head, numbers, cluster].filter(Boolean).join('\\\n'),
    alternativesBlock(token.top, k, token.id),
  ].join('\n\n');
}
