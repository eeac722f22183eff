/** Hover Markdown, heatmap levels, summaries and number formats. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TokenStat } from '../../../src/core/analysis';
import { summarize } from '../../../src/core/bits';
import { bar, formatProbability } from '../../../src/core/format';
import { heatmapRanges, HEATMAP_LEVELS, levelOf } from '../../../src/core/heatmapScale';
import { hoverMarkdown } from '../../../src/core/hoverMarkdown';
import { EDITOR_FULL_READING, notComputedNotice } from '../../../src/core/readingNotice';
import { FAST_PRECISION_BITS, precisionNote } from '../../../src/core/precision';
import { codeSpan, visibleText } from '../../../src/core/visibleText';
import { entropyOfProbabilities, logitStats } from '../../support/logitStats';

const token = (over: Partial<TokenStat> = {}): TokenStat => ({
  index: 3, id: 42, text: ' the', start: 10, end: 14, surprisal: 2, entropy: 3.5, p: 0.25, rank: 2,
  top: [{ id: 7, text: ' a', p: 0.5 }, { id: 42, text: ' the', p: 0.25 }, { id: 9, text: '`x`', p: 0.1 }],
  ...over,
});

describe('hoverMarkdown', () => {
  const options = { metric: 'entropy' as const, topK: 10, maxBits: 10, action: '[what next?](command:x)' };
  /** The code lines of the alternatives block. */
  const rows = (md: string) => md.split('\n').filter((l) => /^ ?\d+ {2}/.test(l));
  it('shows the token, its numbers and the alternatives', () => {
    const md = hoverMarkdown(token(), options);
    const [header, numbers] = md.split('\n');
    assert.match(header, /`␣the` · level 2 of 7 · .* · \[what next\?\]\(command:x\)\\$/, 'the actions end the header line');
    assert.match(numbers, /^p 0\.250 · rank 2 · surprisal 2\.00 bits · \*\*entropy 3\.50 bits\*\* · id 42$/);
    assert.match(md, /^2 {2}␣the {2}0\.250 {2}██▌ +◀ your token$/m, 'the written token is marked');
    assert.match(md, /^3 {2}`x` /m, 'backticks survive in the code block');
    assert.match(md, /^````?text$/m);
    assert.equal(rows(md).length, 3);
  });
  it('limits the alternatives to k', () => {
    const md = hoverMarkdown(token(), { ...options, metric: 'surprisal', topK: 1 });
    assert.equal(rows(md).length, 1);
    assert.match(md, /\*\*surprisal 2\.00 bits\*\*/);
  });
  it('explains a token that nothing predicts', () => {
    const md = hoverMarkdown(token({ surprisal: null, entropy: null, p: null, rank: null, top: [] }), { ...options, topK: 5 });
    assert.match(md, /Nothing precedes this token/);
    assert.doesNotMatch(md, /level/, 'no level without a number');
  });
  it('says what a surprisal-only reading left out, and how to get it', () => {
    const cheap = token({ entropy: null, rank: null, top: [{ id: 7, text: ' a', p: 0.5 }] });
    const notComputed = notComputedNotice({ reading: 'surprisal' }, EDITOR_FULL_READING)!;
    const md = hoverMarkdown(cheap, { ...options, metric: 'surprisal', notComputed });
    assert.match(md.split('\n')[1], /^p 0\.250 · rank — · \*\*surprisal 2\.00 bits\*\* · entropy — · id 42$/);
    assert.equal(rows(md).length, 1, 'the most probable token alone');
    assert.equal(md.trimEnd().split('\n').at(-1), notComputed, 'the last line says why');
    assert.match(notComputed, /^Entropy, rank and alternatives not computed: .*9–28×.*Switch Heatmap Metric/);
    assert.equal(notComputedNotice({ reading: 'all' }, EDITOR_FULL_READING), null);
    assert.doesNotMatch(hoverMarkdown(token(), { ...options, notComputed }), /not computed/, 'not on a token that has its entropy');
  });

  it('ends with how the numbers were evaluated when that was fast, and only then', () => {
    assert.equal(precisionNote('exact'), null);
    const note = precisionNote('fast')!;
    assert.equal(note, `fast evaluation (flash attention, F16 cache): numbers within ≈ ${FAST_PRECISION_BITS} bits of exact`);
    for (const t of [token(), token({ surprisal: null, entropy: null, p: null, rank: null, top: [] })]) {
      const last: string = hoverMarkdown(t, { ...options, precision: note }).split('\n\n').at(-1)!;
      assert.equal(last.replace(/\\/g, ''), `*${note}*`, 'the last paragraph, in italics, its Markdown escaped');
      assert.doesNotMatch(hoverMarkdown(t, options), /fast evaluation/);
    }
  });
});

describe('visibleText and codeSpan', () => {
  it('makes whitespace visible', () => {
    assert.equal(visibleText(' a\tb\r\n'), '␣a→b␍↵');
    assert.equal(visibleText(''), '∅');
    assert.equal(visibleText('\u0001'), '\\x01');
  });
  it('fences backticks', () => {
    assert.equal(codeSpan('a`b'), '``a`b``');
    assert.equal(codeSpan('`'), '`` ` ``');
  });
});

describe('heatmap levels', () => {
  it('maps bits linearly onto the levels and clamps', () => {
    assert.equal(levelOf(0, 8), 0);
    assert.equal(levelOf(0.99, 8), 0);
    assert.equal(levelOf(1, 8), 1);
    assert.equal(levelOf(7.99, 8), 7);
    assert.equal(levelOf(100, 8), HEATMAP_LEVELS - 1);
    assert.equal(levelOf(NaN, 8), 0);
  });
  it('paints only tokens with numbers and non-empty spans', () => {
    const ranges = heatmapRanges([token(), token({ index: 4, entropy: null, surprisal: null }), token({ index: 5, start: 14, end: 14 })], 'entropy', 8);
    assert.deepEqual(ranges, [{ start: 10, end: 14, level: 3, index: 3 }]);
  });
});

describe('bits', () => {
  it('summarises as perplexity = 2^(mean surprisal)', () => {
    const s = summarize([token({ surprisal: 1 }), token({ surprisal: 3 }), token({ surprisal: null, entropy: null })]);
    assert.equal(s.scored, 2);
    assert.equal(s.meanSurprisal, 2);
    assert.equal(s.perplexity, 4);
    assert.equal(summarize([]).perplexity, null);
  });
  it('has no mean entropy when some scored token has none (a surprisal-only reading)', () => {
    const s = summarize([token({ surprisal: 1, entropy: 2 }), token({ surprisal: 3, entropy: null })]);
    assert.equal(s.scored, 2);
    assert.equal(s.perplexity, 4, 'perplexity needs surprisal only');
    assert.equal(s.meanEntropy, null);
    assert.equal(summarize([token({ entropy: 2 }), token({ entropy: 4 })]).meanEntropy, 3);
  });
  it('computes entropy of a uniform distribution and of logits', () => {
    assert.ok(Math.abs(entropyOfProbabilities(new Array(8).fill(1 / 8)) - 3) < 1e-12);
    const logits = [1, 2, 3, -1, 0.5];
    const ps = logits.map((l) => Math.exp(l)).map((e, _, all) => e / all.reduce((a, b) => a + b, 0));
    assert.ok(Math.abs(logitStats(logits).entropyBits - entropyOfProbabilities(ps)) < 1e-12);
  });
});

describe('format', () => {
  it('formats probabilities and bars', () => {
    assert.equal(formatProbability(0.5), '0.500');
    assert.equal(formatProbability(0.0123), '0.0123');
    assert.equal(formatProbability(1e-7), '1.00e-7');
    assert.equal(bar(1, 4), '████');
    assert.equal(bar(0.5, 2), '█');
    assert.equal(bar(0, 4), '');
  });
});
