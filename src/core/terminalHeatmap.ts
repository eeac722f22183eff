/** Renders an analysis for a terminal: ANSI background colours per level, a legend and a summary. */
import type { Analysis, Metric } from './analysis';
import type { ChatAnalysis, ChatSourceAnalysis } from './chat/chatTypes';
import { summarize } from './bits';
import { formatBits } from './format';
import { HEATMAP_LEVELS, heatmapRanges, levelBounds, metricValue } from './heatmapScale';
import { precisionNote } from './precision';
import { windowsNotice } from './readability';
import { CLI_FULL_READING, notComputedNotice } from './readingNotice';
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

/**
 * A chat's rendered prompt, the exact text the model receives, with each
 * content token coloured by its level and the template's text (role headers,
 * special tokens) set apart: dimmed with colour, in brackets without.
 */
export function renderChatHeatmapText(analysis: ChatAnalysis, metric: Metric, maxBits: number, color: boolean): string {
  const text = analysis.rendered.text;
  const ranges = heatmapRanges(analysis.tokens, metric, maxBits);
  let out = '';
  for (const seg of analysis.rendered.segments) {
    if (seg.kind === 'template') {
      out += markTemplate(text.slice(seg.start, seg.end), color);
      continue;
    }
    let at = seg.start;
    for (const r of ranges) {
      const start = Math.max(r.start, at);
      const end = Math.min(r.end, seg.end);
      if (end <= start) continue;
      out += text.slice(at, start) + paint(text.slice(start, end), r.level, color);
      at = end;
    }
    out += text.slice(at, seg.end);
  }
  return out;
}

/** Template text set apart from the content: dim, or in brackets (line breaks left outside either). */
function markTemplate(text: string, color: boolean): string {
  return text.split(/(\r?\n)/).map((part) => (/^\r?\n$/.test(part) || part === '' ? part : color ? `\x1b[2m${part}${RESET}` : `[${part}]`)).join('');
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
  const notComputed = notComputedNotice(analysis.route, CLI_FULL_READING);
  if (notComputed) lines.push(`note: ${notComputed}`);
  const precision = precisionNote(analysis.route.precision);
  if (precision) lines.push(`note: ${precision}`);
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

/**
 * A chat's table: every token the model received, in order, with its span in
 * the chat file (template tokens: an empty span where they sit) and a last
 * column `template` (1 for role headers and special tokens, else 0).
 */
export function renderChatTokenTable(analysis: ChatSourceAnalysis): string {
  const [head, ...rows] = renderTokenTable(analysis).split('\n');
  return [`${head}\ttemplate`, ...rows.map((row, i) => `${row}\t${analysis.tokens[i].template ? 1 : 0}`)].join('\n');
}
