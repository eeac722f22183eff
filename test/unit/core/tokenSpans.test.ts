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
  it('falls back to approximate alignment when the tokenizer normalises text', () => {
    const text = 'Hello World';
    const lower: Detokenize = (tokens, last) => byteDetokenize(tokens, last).toLowerCase();
    const { spans, exact } = tokenSpans(encode(text), text, lower);
    assert.equal(exact, false);
    assert.equal(spans.length, text.length);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i].start >= spans[i - 1].end);
  });
});
