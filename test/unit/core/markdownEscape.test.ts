/** Untrusted strings in the trusted token hover and in plain-text labels. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TokenStat } from '../../../src/core/analysis';
import { hoverMarkdown } from '../../../src/core/hoverMarkdown';
import { codeSpan, escapeIcons, escapeMarkdown } from '../../../src/core/visibleText';

const token: TokenStat = {
  index: 0, id: 7, text: 'a', start: 0, end: 1, p: 0.5, surprisal: 1, entropy: 1, rank: 1,
  top: [{ id: 7, text: 'a', p: 0.5 }, { id: 8, text: 'x|y', p: 0.25 }],
};

describe('escapeMarkdown', () => {
  it('turns a crafted model name into literal text', () => {
    const name = 'evil](command:workbench.action.terminal.new) [click](https://x.test) <img src=x> **b** _i_ # h';
    const md = escapeMarkdown(name);
    assert.ok(!md.includes('](command:'), md);
    assert.ok(!/(?<!\\)<img/.test(md), 'no HTML tag');
    assert.ok(md.includes('evil\\]\\(command\\:workbench\\.action'), md);
  });
  it('escapes every Markdown punctuation character and flattens line breaks', () => {
    assert.equal(escapeMarkdown('a*b_c`d[e]f(g)h\ni'), 'a\\*b\\_c\\`d\\[e\\]f\\(g\\)h i');
  });
});

describe('codeSpan and the alternatives block', () => {
  it('fences backtick runs with a longer fence', () => {
    assert.equal(codeSpan('a``b'), '```a``b```');
    assert.equal(codeSpan('``'), '``` `` ```');
  });
  it('keeps tokens with |, backticks or HTML literal inside the code block (the hover renders HTML for its swatch)', () => {
    const t: TokenStat = { ...token, top: [...token.top, { id: 9, text: '<img src=x>', p: 0.125 }, { id: 10, text: '```', p: 0.0625 }] };
    const md = hoverMarkdown(t, { metric: 'entropy', topK: 5, maxBits: 10 });
    const lines = md.split('\n');
    const open = lines.findIndex((l) => /^`{3,}text$/.test(l));
    const fence = lines[open].slice(0, -'text'.length);
    assert.ok(fence.length >= 4, 'a fence longer than the ``` token');
    const close = lines.indexOf(fence, open + 1);
    assert.equal(close - open - 1, 4, 'four alternatives inside the block');
    const inside = lines.slice(open + 1, close);
    assert.match(inside[1], /^2 {2}x\|y /);
    assert.match(inside[2], /^3 {2}<img␣src=x> /);
    assert.ok(!lines.slice(close + 1).join('\n').includes('<img'), 'no HTML outside the block');
  });
});

describe('escapeIcons', () => {
  it('keeps $(name) from rendering as an icon', () => {
    assert.equal(escapeIcons('$(alert) $x'), '$\u200b(alert) $x');
  });
});
