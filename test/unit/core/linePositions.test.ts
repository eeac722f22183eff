import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { linePositions } from '../../../src/core/linePositions';

/** The position of `offset` by walking the text: the reference. */
function walk(text: string, offset: number): { line: number; character: number } {
  let line = 0;
  let start = 0;
  for (let i = 0; i < offset; i++) {
    const c = text[i];
    if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) {
      line++;
      start = i + 1;
    }
  }
  return { line, character: offset - start };
}

describe('linePositions', () => {
  it('counts \\r\\n, \\n and \\r as one line end each', () => {
    const at = linePositions('a\r\nb\nc\rd');
    assert.deepEqual([0, 3, 5, 7].map(at), [{ line: 0, character: 0 }, { line: 1, character: 0 }, { line: 2, character: 0 }, { line: 3, character: 0 }]);
    assert.deepEqual(at(2), { line: 0, character: 2 }, 'between \\r and \\n: still the first line');
  });
  it('agrees with walking the text at every offset of random texts', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pieces = ['a', 'bc', ' ', '\n', '\r', '\r\n', '🍵', 'é'];
    for (let n = 0; n < 50; n++) {
      let text = '';
      for (let k = Math.floor(next() * 40); k > 0; k--) text += pieces[Math.floor(next() * pieces.length)];
      const at = linePositions(text);
      for (let offset = 0; offset <= text.length; offset++) {
        // Inside \r\n the walk has not reached the line end yet; both say the line of the \r.
        assert.deepEqual(at(offset), walk(text, offset), `${JSON.stringify(text)} at ${offset}`);
      }
    }
  });
});
