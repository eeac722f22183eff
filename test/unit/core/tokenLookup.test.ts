/** Finding the distribution "what comes next" reads, by cursor offset. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Analysis, TokenStat } from '../../../src/core/analysis';
import { distributionAt } from '../../../src/core/tokenLookup';

/** An analysis of `pieces` (one token each) where token j's slot has entropy j and the document's next entropy is 99. */
function analysisOf(pieces: readonly string[]): Analysis {
  let at = 0;
  const tokens: TokenStat[] = pieces.map((text, index) => {
    const start = at;
    at += text.length;
    return { index, id: index, text, start, end: at, surprisal: 1, entropy: index, p: 0.5, rank: 1, top: [{ id: index, text, p: 0.5 }] };
  });
  return {
    model: { path: 'm', name: 'm', vocabSize: 10, contextSize: 64, trainContextSize: 64 },
    text: pieces.join(''), tokens, next: { entropy: 99, top: [] }, route: { scorer: 'native', reading: 'all', precision: 'exact', tokensEvaluated: pieces.length },
  };
}

describe('distributionAt', () => {
  const a = analysisOf(['Input', ':', ' cat', '\n', 'Output', ':', '\n', '\n']);

  it('reads the slot of the token after the last one that ends at or before the cursor', () => {
    assert.equal(distributionAt(a, 5)?.distribution.entropy, 1, 'after "Input": the slot of ":"');
    assert.equal(distributionAt(a, 6)?.afterIndex, 1);
  });

  it('at the end of the file skips trailing line breaks: what comes after "Output:"', () => {
    const end = a.text.length;
    const found = distributionAt(a, end)!;
    assert.equal(found.afterIndex, 5, 'after ":" of "Output:"');
    assert.equal(found.distribution.entropy, 6, 'the slot of the line break that follows it');
    // Mid-file line breaks are kept: the cursor after "cat\n" asks about what follows the break.
    assert.equal(distributionAt(a, 'Input: cat\n'.length)?.afterIndex, 3);
  });

  it('after the last token of a file with no trailing break, reads the distribution after the document', () => {
    const b = analysisOf(['A', ':', ' x']);
    assert.equal(distributionAt(b, b.text.length)?.distribution.entropy, 99);
  });
});
