/**
 * How a chat's analysis is shown: the template's tokens are left out of the
 * means (perplexity, readability), a content token's hover names the template
 * tokens beside it with their bits, the rendered view marks which of its tokens
 * are the template's, and the status bar and the view's title name the template.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Analysis, TokenStat } from '../../../../src/core/analysis';
import { summarize } from '../../../../src/core/bits';
import type { ChatAnalysis, ChatSourceAnalysis, RenderedChat } from '../../../../src/core/chat/chatTypes';
import { chatRenderingOf, isChatSourceAnalysis, markTemplateTokens, renderedViewTitle, templateShortLabel } from '../../../../src/core/chat/renderedView';
import { templateNeighbours } from '../../../../src/core/chat/sourceMapping';
import { hoverMarkdown, TEMPLATE_RUN_MAX, templateRunLine } from '../../../../src/core/hoverMarkdown';
import { unreadableNotice } from '../../../../src/core/readability';

const stat = (over: Partial<TokenStat>): TokenStat => ({
  index: 0, id: 1, text: 'x', start: 0, end: 1, surprisal: 2, entropy: 5.5, p: 0.25, rank: 2,
  top: [{ id: 7, text: ' a', p: 0.5 }, { id: 1, text: 'x', p: 0.25 }],
  ...over,
});

/**
 * `<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n` as a chat
 * file's analysis: "Hi" and " there" are in the file at 10..12 and 12..18,
 * the template's tokens sit there with empty spans.
 */
function chatMlSource(): TokenStat[] {
  const rows: Array<[string, number, number, boolean, number]> = [
    ['<|im_start|>', 10, 10, true, 9.5],
    ['user', 10, 10, true, 0.25],
    ['\n', 10, 10, true, 0],
    ['Hi', 10, 12, false, 3],
    [' there', 12, 18, false, 1],
    ['<|im_end|>', 18, 18, true, 7.125],
    ['\n', 18, 18, true, 0.5],
    ['<|im_start|>', 18, 18, true, 2],
    ['assistant', 18, 18, true, 1.5],
    ['\n', 18, 18, true, 0.75],
  ];
  return rows.map(([text, start, end, template, bits], index) => stat({ index, id: 100 + index, text, start, end, surprisal: bits, entropy: bits + 1, ...(template ? { template: true as const } : {}) }));
}

const MODEL = { path: '/m/tiny.gguf', name: 'tiny', vocabSize: 512, contextSize: 4096, trainContextSize: 4096 };
const ROUTE = { scorer: 'native' as const, reading: 'all' as const, precision: 'exact' as const, tokensEvaluated: 6 };

/** A chat file's analysis with `tokens` (its rendered analysis is not read here). */
function source(tokens: TokenStat[]): ChatSourceAnalysis {
  const rendered: ChatAnalysis = { model: MODEL, text: '', tokens, next: null, route: ROUTE, rendered: { template: 'chatML (node-llama-cpp)', kind: 'wrapper', text: '', segments: [] } };
  return { ...rendered, rendered };
}

describe('chat tokens in the summary', () => {
  it('counts the template tokens but leaves them out of the means and the perplexity', () => {
    const tokens = chatMlSource();
    const s = summarize(tokens);
    assert.equal(s.tokens, 10);
    assert.equal(s.scored, 2);
    assert.equal(s.meanSurprisal, 2, '(3 + 1) / 2: the content tokens only');
    assert.equal(s.meanEntropy, 3);
    assert.equal(s.perplexity, 4);
  });

  it('judges readability on the messages: surprising special tokens do not make a readable text unreadable', () => {
    const tokens = chatMlSource().map((t) => (t.template ? { ...t, surprisal: 20 } : t));
    // With the template's 20-bit tokens the mean would be (8 × 20 + 4) / 10 = 16.4 bits ≥ log2 512 = 9.
    assert.equal(unreadableNotice(summarize(tokens), 512, 'tiny'), null);
    const unreadable = tokens.map((t) => (t.template ? t : { ...t, surprisal: 9.5 }));
    assert.match(unreadableNotice(summarize(unreadable), 512, 'tiny')?.message ?? '', /mean surprisal \(9\.5 bits per token\)/);
  });
});

describe('template tokens beside a content token', () => {
  it('gives the run before the first content token of a message and the run after the last', () => {
    const tokens = chatMlSource();
    const first = templateNeighbours(source(tokens), 3);
    assert.deepEqual(first.before.map((t) => t.text), ['<|im_start|>', 'user', '\n']);
    assert.deepEqual(first.after, []);
    const last = templateNeighbours(source(tokens), 4);
    assert.deepEqual(last.before, []);
    assert.deepEqual(last.after.map((t) => t.text), ['<|im_end|>', '\n', '<|im_start|>', 'assistant', '\n']);
  });

  it('gives nothing inside a message, on a template token, or out of range', () => {
    const tokens = [stat({ index: 0, text: 'a' }), stat({ index: 1, text: 'b', start: 1, end: 2 }), stat({ index: 2, text: 'c', start: 2, end: 3 })];
    assert.deepEqual(templateNeighbours(source(tokens), 1), { before: [], after: [] });
    assert.deepEqual(templateNeighbours(source(chatMlSource()), 0), { before: [], after: [] });
    assert.deepEqual(templateNeighbours(source(chatMlSource()), 99), { before: [], after: [] });
  });

});

describe('the hover of a content token next to the template', () => {
  const options = { metric: 'surprisal' as const, topK: 10, maxBits: 10 };

  it('names the template tokens verbatim, whitespace visible, with the metric\'s bits, one line per side', () => {
    const tokens = chatMlSource();
    const md = hoverMarkdown(tokens[3], { ...options, template: templateNeighbours(source(tokens), 3) });
    const lines = md.split('\n');
    assert.ok(lines.includes('template before: `<|im_start|>` 9.5 · `user` 0.3 · `↵` 0.0 bits'), md);
    assert.equal(lines.filter((l) => l.startsWith('template ')).length, 1);
    const after = hoverMarkdown(tokens[4], { ...options, metric: 'entropy', template: templateNeighbours(source(tokens), 4) });
    assert.ok(after.includes('template after: `<|im_end|>` 8.1 · `↵` 1.5 · `<|im_start|>` 3.0 · `assistant` 2.5 · `↵` 1.8 bits'), after);
  });

  it('has no template line inside a message', () => {
    const tokens = [stat({ index: 0, text: 'a' }), stat({ index: 1, text: 'b', start: 1, end: 2 })];
    assert.doesNotMatch(hoverMarkdown(tokens[1], { ...options, template: templateNeighbours(source(tokens), 1) }), /template/);
  });

  it('keeps a long run to the nearest tokens, with … for the rest', () => {
    const run = Array.from({ length: TEMPLATE_RUN_MAX + 3 }, (_, i) => stat({ index: i, text: `t${i}`, surprisal: i, template: true }));
    const before = templateRunLine('before', run, 'surprisal');
    assert.ok(before.startsWith('template before: … · `t3` 3.0 · '), before);
    assert.ok(before.endsWith(`\`t${TEMPLATE_RUN_MAX + 2}\` ${(TEMPLATE_RUN_MAX + 2).toFixed(1)} bits`), before);
    assert.equal(before.split(' · ').length, TEMPLATE_RUN_MAX + 1);
    const after = templateRunLine('after', run, 'surprisal');
    assert.ok(after.startsWith('template after: `t0` 0.0 · '), after);
    assert.ok(after.endsWith(`\`t${TEMPLATE_RUN_MAX - 1}\` ${(TEMPLATE_RUN_MAX - 1).toFixed(1)} · … bits`), after);
  });

  it('keeps a template token with backticks inside its code span and writes — for a token without numbers', () => {
    const line = templateRunLine('before', [stat({ text: '`<s>`', surprisal: null, template: true })], 'surprisal');
    assert.equal(line, 'template before: `` `<s>` `` — bits');
  });

  it('says a token is the template\'s in its header (the rendered view), and gives the lines on a token without numbers', () => {
    assert.match(hoverMarkdown(stat({ template: true, text: '<|im_start|>' }), options).split('\n')[0], /`<\|im_start\|>` · chat template · /);
    const tokens = chatMlSource().map((t, i) => (i === 3 ? { ...t, surprisal: null, entropy: null, p: null, rank: null } : t));
    const md = hoverMarkdown(tokens[3], { ...options, template: templateNeighbours(source(tokens), 3) });
    assert.match(md, /template before: `<\|im_start\|>` 9\.5 /);
    assert.match(md, /Nothing precedes this token/);
  });
});

/** `<s>` (BOS, not in the text), `<|user|>\n`, the content "Hé 👋", `\n<|assistant|>\n`: text offsets 0..9, 9..14, 14..29. */
function rendered(): ChatAnalysis {
  const text = '<|user|>\nHé 👋\n<|assistant|>\n';
  const chat: RenderedChat = {
    template: 'chatML (node-llama-cpp)', kind: 'wrapper', text,
    segments: [{ start: 0, end: 9, kind: 'template' }, { start: 9, end: 14, kind: 'content', turn: 0, contentStart: 0 }, { start: 14, end: 29, kind: 'template' }],
  };
  const spans: Array<[string, number, number]> = [['<s>', 0, 0], ['<|user|>', 0, 8], ['\n', 8, 9], ['H', 9, 10], ['é', 10, 11], [' ', 11, 12], ['\\xf0', 12, 12], ['👋', 12, 14], ['\n', 14, 15], ['<|assistant|>', 15, 28], ['\n', 28, 29]];
  const tokens = spans.map(([t, start, end], index) => stat({ index, text: t, start, end }));
  return { model: MODEL, text, tokens, next: null, route: ROUTE, rendered: chat };
}

describe('the rendered view', () => {
  it('marks the template\'s tokens, BOS included, and keeps the content\'s (a piece of an emoji too)', () => {
    const marked = markTemplateTokens(rendered());
    assert.deepEqual(marked.tokens.filter((t) => t.template).map((t) => t.index), [0, 1, 2, 8, 9, 10]);
    assert.deepEqual(marked.tokens.filter((t) => !t.template).map((t) => t.text), ['H', 'é', ' ', '\\xf0', '👋']);
    assert.equal(summarize(marked.tokens).scored, 5);
  });

  it('keeps the runtime\'s own marks', () => {
    const own = rendered();
    const mine = { ...own, tokens: own.tokens.map((t) => (t.index === 1 ? { ...t, template: true as const } : t)) };
    assert.equal(markTemplateTokens(mine), mine);
  });

  it('tells a chat file\'s analysis from its rendered one and from a plain one, and names the template', () => {
    const view = rendered();
    const source: ChatSourceAnalysis = { ...view, text: '[{"role":"user","content":"Hé 👋"}]', rendered: view };
    const plain: Analysis = { model: MODEL, text: 'a', tokens: [], next: null, route: ROUTE };
    assert.equal(isChatSourceAnalysis(source), true);
    assert.equal(isChatSourceAnalysis(view), false);
    assert.equal(isChatSourceAnalysis(plain), false);
    assert.equal(chatRenderingOf(source), view.rendered);
    assert.equal(chatRenderingOf(view), view.rendered);
    assert.equal(chatRenderingOf(plain), undefined);
    assert.equal(templateShortLabel(view.rendered), 'chatML');
    assert.equal(templateShortLabel({ kind: 'model', template: 'the model\'s chat template' }), 'model template');
    assert.equal(templateShortLabel({ kind: 'raw', template: 'raw text' }), 'raw');
    assert.equal(renderedViewTitle('hello.chat.json', view.rendered), 'hello.chat.json — chatML (node-llama-cpp)');
    assert.equal(renderedViewTitle('a.chat.json', { template: 'a/b\\c' }), 'a.chat.json — a∕b∕c', 'no path separators in a title');
  });
});
