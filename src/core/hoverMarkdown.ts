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
import { codeSpan, escapeMarkdown, visibleText } from './visibleText';

export interface HoverOptions {
  readonly metric: Metric;
  readonly topK: number;
  /** Top of the colour scale (iclLens.heatmap.scaleMaxBits): the token's level. */
  readonly maxBits: number;
  /** The character the token is only part of (an emoji split into several tokens), if it is. */
  readonly cluster?: ClusterPart;
  /** Markdown put at the end of the header line (short command links). */
  readonly action?: string;
  /** A line saying which numbers were not computed and how to get them (core/readingNotice.ts), if some were not. */
  readonly notComputed?: string;
  /** A chat's template tokens on either side of the token (not in the file), one line per side. */
  readonly template?: { readonly before: readonly TokenStat[]; readonly after: readonly TokenStat[] };
  /** How the numbers were evaluated, when not exactly (precisionNote): a footer line under the rest. */
  readonly precision?: string;
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

/** Template tokens a hover line shows at most on each side (the nearest): a long system preamble would not fit. */
export const TEMPLATE_RUN_MAX = 6;

/**
 * One line for a run of template tokens: each token's text verbatim in code
 * (special tokens too, whitespace visible) and its bits in the hover's metric,
 * to one decimal so that the line stays one line, e.g.
 * "template before: `<|im_start|>` 2.1 · `user` 0.3 · `↵` 0.0 bits"; only the
 * TEMPLATE_RUN_MAX tokens nearest the content token, `…` for the rest.
 */
export function templateRunLine(side: 'before' | 'after', run: readonly TokenStat[], metric: Metric): string {
  const shown = side === 'before' ? run.slice(-TEMPLATE_RUN_MAX) : run.slice(0, TEMPLATE_RUN_MAX);
  const items = shown.map((t) => {
    const v = metricValue(t, metric);
    return `${codeSpan(visibleText(t.text))} ${v === null ? '—' : v.toFixed(1)}`;
  });
  if (shown.length < run.length) {
    if (side === 'before') items.unshift('…');
    else items.push('…');
  }
  return `template ${side}: ${items.join(' · ')} bits`;
}

/** Markdown (with one HTML swatch) for the hover over `token`. */
export function hoverMarkdown(token: TokenStat, options: HoverOptions): string {
  const value = metricValue(token, options.metric);
  const level = value === null ? null : levelOf(value, options.maxBits);
  const head = [
    `${level === null ? '' : `${swatchHtml(level)} `}**ICL Lens**`,
    codeSpan(visibleText(token.text)),
    ...(token.template ? ['chat template'] : []),
    ...(level === null ? [] : [levelCaption(level, options.maxBits)]),
    // Without numbers there is no second line: the id stays up here.
    ...(token.surprisal === null ? [`id ${token.id}`] : []),
    ...(options.action ? [options.action] : []),
  ].join(' · ');
  const cluster = options.cluster
    ? `part of ${codeSpan(visibleText(options.cluster.text))} (token ${options.cluster.position} of ${options.cluster.count})`
    : undefined;
  const template = options.template;
  const before = template && template.before.length > 0 ? templateRunLine('before', template.before, options.metric) : undefined;
  const after = template && template.after.length > 0 ? templateRunLine('after', template.after, options.metric) : undefined;
  const footer = options.precision ? [`*${escapeMarkdown(options.precision)}*`] : [];
  if (token.surprisal === null) {
    return [[head, cluster, before, after].filter(Boolean).join('\\\n'), 'Nothing precedes this token, so the model gave no distribution for it.', ...footer].join('\n\n');
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
  // Where entropy was not computed, the alternatives are the most probable token alone: the line says so, under them.
  const missing = token.entropy === null && options.notComputed ? options.notComputed : undefined;
  return [
    [head, numbers, cluster, before, after].filter(Boolean).join('\\\n'),
    alternativesBlock(token.top, k, token.id),
    ...(missing ? [missing] : []),
    ...footer,
  ].join('\n\n');
}
