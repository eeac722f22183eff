/**
 * Reading the heatmap: the legend's ranges, the swatch VS Code must keep, and
 * the hover's level, whitespace glyph, "your token" marker and whole characters.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TokenStat } from '../../../src/core/analysis';
import { clusterPart } from '../../../src/core/graphemes';
import { levelCaption, legendRows, swatchHtml } from '../../../src/core/heatmapPalette';
import { levelOf } from '../../../src/core/heatmapScale';
import { hoverMarkdown, YOUR_TOKEN } from '../../../src/core/hoverMarkdown';
import { visibleText } from '../../../src/core/visibleText';

/**
 * The style a span may carry in VS Code 1.100's Markdown hovers and tooltips
 * (src/vs/base/browser/markdownRenderer.ts); any other style is dropped.
 */
const VSCODE_SPAN_STYLE = /^(color:(#[0-9a-fA-F]+|var\(--vscode(-[a-zA-Z0-9]+)+\));)?(background-color:(#[0-9a-fA-F]+|var\(--vscode(-[a-zA-Z0-9]+)+\));)?(border-radius:[0-9]+px;)?$/;

const stat = (over: Partial<TokenStat>): TokenStat => ({
  index: 0, id: 1, text: 'x', start: 0, end: 1, surprisal: 2, entropy: 5.5, p: 0.25, rank: 2,
  top: [{ id: 7, text: ' a', p: 0.5 }, { id: 1, text: 'x', p: 0.25 }],
  ...over,
});
const options = { metric: 'entropy' as const, topK: 10, maxBits: 10 };

describe('legend', () => {
  it('gives each of the 8 levels its bits, contiguous from 0 to the scale top and open above', () => {
    const rows = legendRows(10);
    assert.deepEqual(rows.map((r) => r.range), [
      '0–1.25 bits', '1.25–2.5 bits', '2.5–3.75 bits', '3.75–5 bits', '5–6.25 bits', '6.25–7.5 bits', '7.5–8.75 bits', '≥ 8.75 bits',
    ]);
    for (let i = 1; i < rows.length; i++) assert.equal(rows[i].from, rows[i - 1].to);
    // Every value lands in the row its level names.
    for (const bits of [0, 0.3, 1.25, 4.99, 6.25, 9.9, 30]) {
      const row = rows[levelOf(bits, 10)];
      assert.ok(bits >= row.from && bits < row.to, `${bits} bits in ${row.range}`);
    }
    assert.equal(legendRows(8)[3].range, '3–4 bits', 'follows the scale setting');
  });
  it('captions a level as "level n of 7" with its range', () => {
    assert.equal(levelCaption(5, 10), 'level 5 of 7 · 6.25–7.5 bits');
  });
  it('swatches are spans whose style VS Code keeps, in the colour the heatmap paints', () => {
    for (let level = 0; level < 8; level++) {
      const m = /^<span style="([^"]*)">(?:&nbsp;)+<\/span>$/.exec(swatchHtml(level));
      assert.ok(m, swatchHtml(level));
      assert.match(m[1], VSCODE_SPAN_STYLE);
      assert.ok(m[1].includes(`var(--vscode-iclLens-heatmap-level${level})`));
    }
  });
});

describe('hover', () => {
  it('shows the token\'s level with its swatch and range', () => {
    const md = hoverMarkdown(stat({ entropy: 6.5 }), options);
    assert.ok(md.startsWith(`${swatchHtml(5)} **ICL Lens**`), md);
    assert.match(md, /level 5 of 7 · 6\.25–7\.5 bits/);
    // The level follows the metric the colours show.
    assert.match(hoverMarkdown(stat({ entropy: 6.5, surprisal: 0.5 }), { ...options, metric: 'surprisal' }), /level 0 of 7 · 0–1\.25 bits/);
  });
  it('shows a space as ␣, which is not the header\'s separator', () => {
    const md = hoverMarkdown(stat({ text: ' ', id: 259 }), options);
    const header = md.split('\n')[0];
    assert.match(header, /\*\*ICL Lens\*\* · `␣` · level/);
    assert.match(md.split('\n')[1], /· id 259$/, 'the id ends the numbers line');
    assert.equal(visibleText('\u2581the'), '␣the', 'SentencePiece\'s space too');
    assert.equal(visibleText('a\u2028b'), 'a\\u2028b', 'a line separator cannot break a hover line');
  });
  it('labels the written token among the alternatives as "your token", on its own line', () => {
    const md = hoverMarkdown(stat({}), options);
    const mine = md.split('\n').filter((l) => l.includes(YOUR_TOKEN));
    assert.equal(mine.length, 1);
    assert.match(mine[0], /^2 {2}x /);
    assert.equal(YOUR_TOKEN, '◀ your token');
  });
  it('keeps the top 10 to one line each under two lines of header and numbers, and nothing after them', () => {
    const top = Array.from({ length: 12 }, (_, i) => ({ id: 100 + i, text: ` w${i}`, p: 0.5 / (i + 1) }));
    const md = hoverMarkdown(stat({ top }), options);
    const [numbers, block] = md.split('\n\n');
    assert.equal(numbers.split('\n').length, 2, 'header and numbers');
    const lines = block.split('\n');
    assert.equal(lines.length, 12, 'fence, 10 alternatives, fence');
    assert.match(lines[10], /^10 {2}␣w9 /);
    assert.equal(md.split('\n\n').length, 2, 'no line below the alternatives');
  });
});

describe('clusterPart', () => {
  // 👨‍👩‍👧: man, ZWJ, woman, ZWJ, girl — 8 UTF-16 units, one user-perceived character.
  const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
  const text = `a ${family} b`;
  // One token per code point (byte-fallback pieces of one code point end up on its last piece), after "a ".
  const pieces = [...family];
  let at = 2;
  const tokens: TokenStat[] = [stat({ index: 0, start: 0, end: 2, text: 'a ' })];
  for (const p of pieces) {
    tokens.push(stat({ index: tokens.length, start: at, end: at, text: '' }), stat({ index: tokens.length + 1, start: at, end: at + p.length, text: p }));
    at += p.length;
  }
  tokens.push(stat({ index: tokens.length, start: at, end: at + 2, text: ' b' }));
  const withSpan = tokens.filter((t) => t.end > t.start);

  it('finds the whole emoji family around its second piece', () => {
    const part = clusterPart(text, 0, tokens, withSpan[2]);
    assert.deepEqual(part, { text: family, start: 2, end: 10, position: 2, count: 5 });
    const md = hoverMarkdown(withSpan[2], { ...options, cluster: part });
    assert.ok(md.includes(`part of \`${family}\` (token 2 of 5)`), md);
  });
  it('reads from a window of the document that starts anywhere before the token', () => {
    assert.deepEqual(clusterPart(text.slice(1), 1, tokens, withSpan[5]), { text: family, start: 2, end: 10, position: 5, count: 5 });
  });
  it('says nothing for a token made of whole characters', () => {
    assert.equal(clusterPart(text, 0, tokens, withSpan[0]), undefined);
    assert.equal(clusterPart('ab', 0, [stat({ start: 0, end: 2, text: 'ab' })], stat({ start: 0, end: 2, text: 'ab' })), undefined);
  });
  it('shows a split CR LF with the same glyphs as the token', () => {
    const crlf = [stat({ index: 0, start: 0, end: 1, text: '\r' }), stat({ index: 1, start: 1, end: 2, text: '\n' })];
    const part = clusterPart('\r\n', 0, crlf, crlf[1]);
    assert.deepEqual(part, { text: '\r\n', start: 0, end: 2, position: 2, count: 2 });
    assert.match(hoverMarkdown(crlf[1], { ...options, cluster: part }), /part of `␍↵` \(token 2 of 2\)/);
  });
});
