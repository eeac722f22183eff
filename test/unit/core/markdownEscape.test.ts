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
    const md = hoverMarkdown(token, { metric: 'entropy', modelName: name, topK: 5 });
    assert.ok(!md.includes('](command:'), md);
    assert.ok(!/(?<!\\)<img/.test(md), 'no HTML tag');
    assert.ok(md.includes('evil\\]\\(command\\:workbench\\.action'), md);
  });
  it('escapes every Markdown punctuation character and flattens line breaks', () => {
    assert.equal(escapeMarkdown('a*b_c`d[e]f(g)h\ni'), 'a\\*b\\_c\\`d\\[e\\]f\\(g\\)h i');
  });
});

describe('codeSpan and table cells', () => {
  it('fences backtick runs with a longer fence', () => {
    assert.equal(codeSpan('a``b'), '```a``b```');
    assert.equal(codeSpan('``'), '``` `` ```');
  });
  it('keeps a token containing | inside its table cell', () => {
    const md = hoverMarkdown(token, { metric: 'entropy', modelName: 'm', topK: 5 });
    const row = md.split('\n').find((l) => l.startsWith('| 2 |'))!;
    assert.ok(row.includes('`x\\|y`'), row);
    // Unescaped pipes delimit exactly the table's five cells.
    assert.equal(row.split(/(?<!\\)\|/).length, 6, row);
  });
});

describe('escapeIcons', () => {
  it('keeps $(name) from rendering as an icon', () => {
    assert.equal(escapeIcons('$(alert) $x'), '$\u200b(alert) $x');
  });
});
