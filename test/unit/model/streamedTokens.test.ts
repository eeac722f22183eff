/**
 * The client's reassembly of streamed tokens: a long document's windows stream
 * visible ones first, and the parts, in whatever order they come, must make
 * the same analysis as the same tokens in order; a part out of place or twice is
 * an error, not a silently wrong heatmap.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TokenStat } from '../../../src/core/analysis';
import { mulberry32 } from '../../../src/core/seededRandom';
import { assembleDelta, StreamedTokens } from '../../../src/model/runtimeClient';
import type { AnalysisDelta } from '../../../src/model/runtimeProtocol';

const stat = (index: number): TokenStat => ({ index, id: 100 + index, text: `t${index}`, start: 2 * index, end: 2 * index + 2, surprisal: index / 7, entropy: index / 3, p: 1 / (index + 2), rank: index % 5, top: [] });
const tokens = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => stat(from + i));

/** [from, to) cut into parts at random lengths, in a random order. */
function shuffledParts(from: number, to: number, seed: number): Array<[number, TokenStat[]]> {
  const random = mulberry32(seed);
  const parts: Array<[number, TokenStat[]]> = [];
  for (let a = from; a < to;) {
    const b = Math.min(to, a + 1 + Math.floor(random() * 40));
    parts.push([a, tokens(a, b)]);
    a = b;
  }
  for (let i = parts.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [parts[i], parts[j]] = [parts[j], parts[i]];
  }
  return parts;
}

describe('StreamedTokens', () => {
  it('holds the parts sorted by index, whatever their order', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const streamed = new StreamedTokens();
      const parts = shuffledParts(0, 300, seed);
      const seen = new Set<number>();
      for (const [from, part] of parts) {
        streamed.add(from, part, 0);
        part.forEach((t) => seen.add(t.index));
        // What a partial paints: exactly the tokens received so far, in order.
        assert.deepEqual(streamed.tokens.map((t) => t.index), [...seen].sort((x, y) => x - y), `seed ${seed}`);
      }
      assert.deepEqual(streamed.tokens, tokens(0, 300));
    }
  });

  it('refuses a token twice, a part before the streaming start, and a part whose indices are not its own', () => {
    const streamed = new StreamedTokens();
    streamed.add(50, tokens(50, 60), 10);
    assert.throws(() => streamed.add(55, tokens(55, 58), 10), /twice/);
    assert.throws(() => streamed.add(45, tokens(45, 51), 10), /twice/);
    assert.throws(() => streamed.add(5, tokens(5, 8), 10), /out of place/);
    assert.throws(() => streamed.add(20, tokens(21, 23), 10), /out of place/);
    assert.throws(() => streamed.add(20, tokens(20, 23), 0), /two starting points/);
    streamed.add(10, tokens(10, 50), 10);
    assert.deepEqual(streamed.tokens, tokens(10, 60));
  });
});

describe('assembleDelta with parts streamed out of order', () => {
  const delta = (streamedFrom: number): AnalysisDelta => ({
    id: 1, keep: 0, tokens: tokens(0, streamedFrom), streamedFrom, next: null,
    model: { name: 'm', path: '/m', vocabSize: 10, contextSize: 128, trainContextSize: 128 },
    route: { scorer: 'native', reading: 'all', precision: 'exact', tokensEvaluated: 0 },
  });

  it('makes the analysis the same tokens in order make', () => {
    const inOrder = new StreamedTokens();
    inOrder.add(0, tokens(0, 200), 0);
    const outOfOrder = new StreamedTokens();
    for (const [from, part] of shuffledParts(0, 200, 7)) outOfOrder.add(from, part, 0);
    assert.deepEqual(assembleDelta('x', delta(0), undefined, outOfOrder.tokens), assembleDelta('x', delta(0), undefined, inOrder.tokens));
  });

  it('refuses a result while a part is missing', () => {
    const streamed = new StreamedTokens();
    streamed.add(150, tokens(150, 200), 0);
    streamed.add(0, tokens(0, 100), 0);
    assert.throws(() => assembleDelta('x', delta(0), undefined, streamed.tokens), /do not follow/);
  });
});
