import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tokenSpans, type Detokenize } from '../../../src/core/tokenSpans';

// A real byte-level tokenizer (one token per UTF-8 byte), as GPT-2-style
// vocabularies fall back to: detokenizing a split character yields U+FFFD.
const encode = (text: string) => [...new TextEncoder().encode(text)];
const byteDetokenize: Detokenize = (tokens) => new TextDecoder('utf-8', { fatal: false }).decode(Uint8Array.from(tokens));

/** Spans by the definition: cumulative detokenization of the whole prefix, O(n²). */
function naiveSpans(tokens: number[], text: string) {
  const spans = [];
  let prev = 0;
  for (let i = 0; i < tokens.length; i++) {
    let s = byteDetokenize(tokens.slice(0, i + 1), []);
    while (s.endsWith('\uFFFD') && text.charCodeAt(s.length - 1) !== 0xfffd) s = s.slice(0, -1);
    spans.push({ start: prev, end: Math.max(prev, s.length) });
    prev = Math.max(prev, s.length);
  }
  return spans;
}

const TEXTS = ['plain ascii', 'é ü 日本 👍🏽 👨‍👩‍👧', 'a\r\nb\tc', 'x\uFFFDy', '', 'e\u0301e\u0301e\u0301'.repeat(40), '𝄞'.repeat(100)];

describe('tokenSpans', () => {
  for (const text of TEXTS) {
    for (const window of [1, 3, 64]) {
      it(`equals cumulative detokenization for ${JSON.stringify(text.slice(0, 12))} (window ${window})`, () => {
        const tokens = encode(text);
        const { spans, exact } = tokenSpans(tokens, text, byteDetokenize, window);
        assert.equal(exact, true);
        assert.deepEqual(spans, naiveSpans(tokens, text));
        assert.equal(spans.map((s) => text.slice(s.start, s.end)).join(''), text);
      });
    }
  }
  it('gives the bytes of a split character empty spans and the whole character to the last', () => {
    const { spans } = tokenSpans(encode('a😀'), 'a😀', byteDetokenize);
    assert.deepEqual(spans, [{ start: 0, end: 1 }, { start: 1, end: 1 }, { start: 1, end: 1 }, { start: 1, end: 1 }, { start: 1, end: 3 }]);
  });
  it('resumes after an edit with exactly the spans of a fresh pass, from the last window start before the change', () => {
    const original = 'é ü 日本 👍🏽 👨‍👩‍👧 a\r\nb\tc x\uFFFDy '.repeat(6);
    const edits: Array<[string, (t: string) => string]> = [
      ['insert at the end', (t) => `${t}more 😀 text`],
      ['delete at the end', (t) => t.slice(0, -7)],
      ['insert in the middle', (t) => `${t.slice(0, 150)}🏳️‍🌈 new${t.slice(150)}`],
      ['delete in the middle', (t) => t.slice(0, 120) + t.slice(131)],
      ['split an emoji', (t) => `${t.slice(0, 9)}x${t.slice(9)}`],
      ['insert at the start', (t) => `\r\n${t}`],
      ['CRLF to LF near the end', (t) => `${t.slice(0, -30)}${t.slice(-30).replace(/\r\n/g, '\n')}`],
    ];
    for (const window of [3, 64]) {
      let text = original;
      let tokens = encode(text);
      let result = tokenSpans(tokens, text, byteDetokenize, window);
      let resumedFrom = 0;
      for (const [name, edit] of edits) {
        const next = edit(text);
        const nextTokens = encode(next);
        const calls: number[] = [];
        const counting: Detokenize = (t, last) => { calls.push(t.length); return byteDetokenize(t, last); };
        const resumed = tokenSpans(nextTokens, next, counting, window, { tokens, text, result });
        const fresh = tokenSpans(nextTokens, next, byteDetokenize, window);
        assert.deepEqual(resumed, fresh, `${name} (window ${window})`);
        assert.deepEqual(resumed.spans, naiveSpans(nextTokens, next), `${name} (window ${window}) against the definition`);
        if (calls.length < nextTokens.length) resumedFrom++;
        [text, tokens, result] = [next, nextTokens, resumed];
      }
      // The edits near the end resume (fewer detokenize calls than tokens); the one at the start cannot.
      assert.ok(resumedFrom >= 3, `resumed ${resumedFrom} of ${edits.length} edits (window ${window})`);
    }
  });
  it('resumes an edit near the end with work proportional to the tail', () => {
    const text = 'word '.repeat(2000);
    const tokens = encode(text);
    const result = tokenSpans(tokens, text, byteDetokenize);
    const next = `${text}end`;
    let calls = 0;
    const resumed = tokenSpans(encode(next), next, (t, last) => { calls++; return byteDetokenize(t, last); }, undefined, { tokens, text, result });
    assert.deepEqual(resumed, tokenSpans(encode(next), next, byteDetokenize));
    assert.ok(calls <= 64 + 3, `${calls} detokenize calls for 3 new tokens after 10,000`);
  });
  it('falls back to approximate alignment when the tokenizer normalises text', () => {
    const text = 'Hello World';
    const lower: Detokenize = (tokens, last) => byteDetokenize(tokens, last).toLowerCase();
    const { spans, exact } = tokenSpans(encode(text), text, lower);
    assert.equal(exact, false);
    assert.equal(spans.length, text.length);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i].start >= spans[i - 1].end);
  });
});
