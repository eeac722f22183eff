/** Renders an analysis for a terminal: ANSI background colours per level, a legend and a summary. */
import type { Analysis, Metric } from './analysis';
import { summarize } from './bits';
import { formatBits } from './format';
import { HEATMAP_LEVELS, heatmapRanges, levelBounds, metricValue } from './heatmapScale';
import { windowsNotice } from './readability';
import { visibleText } from './visibleText';

/** xterm-256 backgrounds from cool (confident) to hot (uncertain). */
const PALETTE = [22, 28, 64, 100, 136, 166, 160, 124];
const RESET = '\x1b[0m';

function paint(text: string, level: number, color: boolean): string {
  if (!color) return text;
  // Keep line breaks outside the colour so the background does not run to the edge.
  return text.split(/(\r?\n)/).map((part) => (/^\r?\n$/.test(part) || part === '' ? part : `\x1b[48;5;${PALETTE[level]}m\x1b[97m${part}${RESET}`)).join('');
}

/** The document with each token coloured by its level (plain text where colour is off). */
export function renderHeatmapText(analysis: Analysis, metric: Metric, maxBits: number, color: boolean): string {
  let out = '';
  let at = 0;
  for (const r of heatmapRanges(analysis.tokens, metric, maxBits)) {
    out += analysis.text.slice(at, r.start) + paint(analysis.text.slice(r.start, r.end), r.level, color);
    at = r.end;
  }
  return out + analysis.text.slice(at);
}

/** One line per level with its colour and range. */
export function renderLegend(metric: Metric, maxBits: number, color: boolean): string {
  const cells = levelBounds(maxBits).map((b) => {
    const label = b.to === Infinity ? `≥${b.from.toFixed(1)}` : `${b.from.toFixed(1)}–${b.to.toFixed(1)}`;
    return paint(` ${label} `, b.level, color);
  });
  return `${metric} (bits, ${HEATMAP_LEVELS} levels): ${cells.join(color ? '' : ' |')}`;
}

/** Summary lines: counts, perplexity, means, and the most uncertain tokens. */
export function renderSummary(analysis: Analysis, metric: Metric): string {
  const s = summarize(analysis.tokens);
  const lines = [
    `model: ${analysis.model.name} (vocabulary ${analysis.model.vocabSize}, context ${analysis.model.contextSize}, ${analysis.route.scorer} route)`,
    `tokens: ${s.tokens} (${s.scored} scored)   perplexity: ${s.perplexity === null ? '—' : s.perplexity.toFixed(2)}   mean surprisal: ${formatBits(s.meanSurprisal)}   mean entropy: ${formatBits(s.meanEntropy)}`,
  ];
  const windows = windowsNotice(analysis);
  if (windows) lines.push(`note: ${windows}`);
  const worst = analysis.tokens
    .filter((t) => metricValue(t, metric) !== null)
    .sort((a, b) => (metricValue(b, metric) ?? 0) - (metricValue(a, metric) ?? 0))
    .slice(0, 5)
    .map((t) => `${visibleText(t.text)} ${formatBits(metricValue(t, metric))}`);
  if (worst.length > 0) lines.push(`highest ${metric}: ${worst.join(', ')}`);
  return lines.join('\n');
}

/**
 * One tab-separated row per token, with a header, for a pipe: index, UTF-16
 * span, id, the token (whitespace made visible), p, surprisal, entropy (bits),
 * rank. Empty cells where nothing predicts a token.
 */
export function renderTokenTable(analysis: Analysis): string {
  const cell = (x: number | null, digits = 6) => (x === null ? '' : String(Number(x.toPrecision(digits))));
  const rows = analysis.tokens.map((t) => [t.index, t.start, t.end, t.id, visibleText(t.text).replace(/\t/g, ' '), cell(t.p), cell(t.surprisal), cell(t.entropy), t.rank ?? ''].join('\t'));
  return ['index\tstart\tend\tid\ttoken\tp\tsurprisal\tentropy\trank', ...rows].join('\n');
}
