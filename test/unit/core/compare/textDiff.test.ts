/** The character diff and the token alignment of two revisions: inserted, deleted and replaced text, CRLF, surrogate pairs, edits inside a token. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { Analysis, TokenStat } from '../../../../src/core/analysis';
import { comparisonRanges, DELTA_COLOR_DEFAULTS, deltaColorId, deltaStep } from '../../../../src/core/compare/deltaScale';
import { alignTokens, compareRevisions } from '../../../../src/core/compare/revisions';
import { diffText, mapSpan, myersEqualRuns, type TextDiff } from '../../../../src/core/compare/textDiff';
import { REPO_ROOT } from '../../../support/fixtures';

/** Every run is really shared, runs are ordered and disjoint, and what is left over is the edit. */
function checkRuns(oldText: string, newText: string, diff: TextDiff): { deleted: string; inserted: string } {
  let o = 0, n = 0, deleted = '', inserted = '';
  for (const r of diff.equal) {
    assert.ok(r.length > 0 && r.oldStart >= o && r.newStart >= n, JSON.stringify(diff.equal));
    assert.equal(oldText.slice(r.oldStart, r.oldStart + r.length), newText.slice(r.newStart, r.newStart + r.length));
    deleted += oldText.slice(o, r.oldStart);
    inserted += newText.slice(n, r.newStart);
    o = r.oldStart + r.length;
    n = r.newStart + r.length;
  }
  return { deleted: deleted + oldText.slice(o), inserted: inserted + newText.slice(n) };
}

/** Tokens over `text` from boundaries: [[text, id?]…]; numbers from `stat`. */
function analysis(pieces: ReadonlyArray<string | [string, number]>, stat: (i: number) => number | null = () => 1): Analysis {
  let at = 0;
  const tokens: TokenStat[] = pieces.map((p, index) => {
    const [text, id] = typeof p === 'string' ? [p, [...p].reduce((h, c) => h * 31 + c.codePointAt(0)!, 7) % 100_000] : p;
    const start = at;
    at += text.length;
    const s = stat(index);
    return { index, id, text, start, end: at, surprisal: s, entropy: s === null ? null : s / 2, p: null, rank: null, top: [] };
  });
  const text = pieces.map((p) => (typeof p === 'string' ? p : p[0])).join('');
  return { model: { path: 'm', name: 'm', vocabSize: 10, contextSize: 10, trainContextSize: 10 }, text, tokens, next: null, route: { scorer: 'native', reading: 'all', precision: 'exact', tokensEvaluated: 0 } };
}

describe('diffText', () => {
  it('finds an insertion, a deletion and a replacement as the minimal edit', () => {
    for (const [a, b, del, ins] of [
      ['Input: a\nOutput: b\n', 'Input: a\nOutput: bc\n', '', 'c'],
      ['Input: a\nOutput: b\n', 'Input: a\n', 'Output: b\n', ''],
      ['the cat sat on the mat', 'the dog sat on the mat', 'cat', 'dog'],
      ['one\ntwo\nthree\nfour\n', 'one\n2\nthree\nfour\nfive\n', 'two', '2\nfive'],
      ['', 'new text', '', 'new text'],
      ['old text', '', 'old text', ''],
    ] as const) {
      const d = diffText(a, b);
      const edit = checkRuns(a, b, d);
      assert.deepEqual(edit, { deleted: del, inserted: ins }, `${JSON.stringify(a)} → ${JSON.stringify(b)}`);
    }
  });

  it('sees identical texts as one run', () => {
    assert.deepEqual(diffText('same\r\ntext', 'same\r\ntext').equal, [{ oldStart: 0, newStart: 0, length: 10 }]);
    assert.deepEqual(diffText('', '').equal, []);
  });

  it('sees CRLF → LF as deleted carriage returns only', () => {
    const a = 'Input: a\r\nOutput: b\r\n\r\nInput: c\r\n';
    const b = a.replace(/\r\n/g, '\n');
    assert.deepEqual(checkRuns(a, b, diffText(a, b)), { deleted: '\r\r\r\r', inserted: '' });
  });

  it('never splits a surrogate pair', () => {
    // 😀 = D83D DE00 and 😁 = D83D DE01 share their high surrogate.
    for (const [a, b] of [['a 😀 b', 'a 😁 b'], ['😀😀', '😀😁'], ['x😀', 'x😁'], ['😀y', '😁y'], ['👨‍👩‍👧 family', '👨‍👩‍👦 family']]) {
      const d = diffText(a, b);
      checkRuns(a, b, d);
      for (const r of d.equal) {
        for (const [text, at] of [[a, r.oldStart], [a, r.oldStart + r.length], [b, r.newStart], [b, r.newStart + r.length]] as const) {
          const c = text.charCodeAt(at);
          assert.ok(!(c >= 0xdc00 && c <= 0xdfff), `${JSON.stringify(a)} → ${JSON.stringify(b)}: a run boundary at ${at} splits a pair`);
        }
      }
    }
  });

  it('keeps a moved line\'s neighbours shared and stays minimal on random edits', () => {
    let seed = 3;
    const rand = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
    for (let trial = 0; trial < 200; trial++) {
      const a = Array.from({ length: rand(40) }, () => 'ab\n😀'[rand(4)]).join('');
      let b = a;
      for (let e = 0; e < 3; e++) {
        const at = rand(b.length + 1);
        b = b.slice(0, at) + ['x', '\n', '', '😁'][rand(4)] + b.slice(at + rand(3));
      }
      b = b.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');
      checkRuns(a, b, diffText(a, b));
    }
  });

  it('myersEqualRuns gives up beyond its edit bound', () => {
    assert.equal(myersEqualRuns(3, 3, () => false, 5), undefined);
    assert.deepEqual(myersEqualRuns(3, 3, () => false, 6), []);
  });

  it('maps spans only when they lie wholly in shared text', () => {
    const a = 'Input: a\nOutput: b\n';
    const b = 'Header\nInput: a\nOutput: xb\n';
    const d = diffText(a, b);
    assert.deepEqual(mapSpan(d, b, 7, 12), { start: 0, end: 5 });
    assert.equal(mapSpan(d, b, 0, 6), undefined);
    // "xb": the x is inserted.
    assert.equal(mapSpan(d, b, 24, 26), undefined);
    assert.deepEqual(mapSpan(d, b, 25, 26), { start: 17, end: 18 });
    // An empty span stands for the character at its start.
    assert.deepEqual(mapSpan(d, b, 25, 25), { start: 17, end: 17 });
    assert.equal(mapSpan(d, b, 24, 24), undefined);
  });
});

describe('alignTokens and compareRevisions', () => {
  it('matches every token of identical texts, each Δ existing', () => {
    const old = analysis(['Input', ':', ' a', '\r\n', 'Output', ':', ' b'], (i) => i + 1);
    const now = analysis(['Input', ':', ' a', '\r\n', 'Output', ':', ' b'], (i) => 2 * (i + 1));
    const c = compareRevisions(now, old);
    assert.deepEqual(c.deltas.map((d) => d.oldIndex), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(c.deltas.map((d) => d.deltaSurprisal), [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(c.deltas.map((d) => d.deltaEntropy), [0.5, 1, 1.5, 2, 2.5, 3, 3.5]);
    assert.deepEqual([c.matched, c.added, c.removed], [7, 0, 0]);
    assert.equal(c.meanDeltaSurprisal, 4);
  });

  it('marks inserted text new and matches what follows at its shifted place', () => {
    const old = analysis(['Input', ':', ' a', '\n']);
    const now = analysis(['Header', '\n', 'Input', ':', ' a', '\n']);
    assert.deepEqual(alignTokens(diffText(old.text, now.text), now, old), [null, null, 0, 1, 2, 3]);
  });

  it('leaves deleted text\'s tokens unmatched', () => {
    const old = analysis(['Input', ':', ' a', '\n', 'Output', ':', ' b']);
    const now = analysis(['Input', ':', ' a', '\n']);
    const c = compareRevisions(now, old);
    assert.deepEqual(c.deltas.map((d) => d.oldIndex), [0, 1, 2, 3]);
    assert.deepEqual([c.matched, c.added, c.removed], [4, 0, 3]);
  });

  it('marks replaced text new', () => {
    const old = analysis(['the', ' cat', ' sat']);
    const now = analysis(['the', ' dog', ' sat']);
    assert.deepEqual(alignTokens(diffText(old.text, now.text), now, old), [0, null, 2]);
  });

  it('marks a token with an edit inside it new, even where its ends are shared', () => {
    // " sat" → " seat": the token's first and last characters are shared, its middle is not.
    const old = analysis(['the', ' sat', ' down']);
    const now = analysis(['the', ' seat', ' down']);
    assert.deepEqual(alignTokens(diffText(old.text, now.text), now, old), [0, null, 2]);
  });

  it('marks shared text the tokenizer split differently new (same span, another token)', () => {
    const old = analysis([['ab', 1], ['c', 2], ['!', 3]]);
    const now = analysis([['a', 4], ['bc', 5], ['!', 3]]);
    assert.deepEqual(alignTokens(diffText(old.text, now.text), now, old), [null, null, 2]);
  });

  it('matches CRLF lines after a CRLF → LF change only where the tokens are the same', () => {
    const old = analysis(['Input', ':', ' a', '\r\n', 'Output']);
    const now = analysis(['Input', ':', ' a', '\n', 'Output']);
    assert.deepEqual(alignTokens(diffText(old.text, now.text), now, old), [0, 1, 2, null, 4]);
  });

  it('matches the byte pieces of an unchanged emoji and marks a changed emoji new', () => {
    // Byte-fallback pieces: empty spans before the piece that completes the character.
    const pieces = (emoji: string, ids: number[]): Array<[string, number]> => [['', ids[0]], ['', ids[1]], [emoji, ids[2]]];
    const old = analysis([['x', 1], ...pieces('😀', [10, 11, 12]), [' and', 2], ...pieces('😀', [10, 11, 12])]);
    const now = analysis([['x', 1], ...pieces('😀', [10, 11, 12]), [' and', 2], ...pieces('😁', [10, 11, 13])]);
    assert.deepEqual(alignTokens(diffText(old.text, now.text), now, old), [0, 1, 2, 3, 4, null, null, null]);
  });

  it('has no Δ where either side has no numbers', () => {
    const old = analysis(['a', 'b'], (i) => (i === 0 ? null : 1));
    const now = analysis(['a', 'b'], () => 3);
    const c = compareRevisions(now, old);
    assert.deepEqual(c.deltas.map((d) => [d.oldIndex, d.deltaSurprisal]), [[0, null], [1, 2]]);
  });
});

describe('the diverging scale', () => {
  it('steps at 0.1, 1 and 3 bits either way and paints new tokens apart', () => {
    assert.deepEqual([0, 0.09, -0.1, 0.99, 1, -2.5, 3, 40].map(deltaStep), [0, 0, 1, 1, 2, 2, 3, 3]);
    const old = analysis(['a', 'b', 'c'], () => 1);
    const now = analysis(['a', 'b', 'c', 'd'], (i) => [3, 0.5, 1.05, 9][i]);
    const r = comparisonRanges(now.tokens, compareRevisions(now, old), 'surprisal');
    assert.deepEqual(r.deltas, [{ start: 0, end: 1, direction: 'more', step: 2 }, { start: 1, end: 2, direction: 'less', step: 1 }]);
    assert.deepEqual(r.added, [{ start: 3, end: 4 }]);
  });
});

describe('the comparison colours', () => {
  it('package.json contributes each step\'s colour with the defaults deltaScale lists', () => {
    const colors = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).contributes.colors as Array<{ id: string; defaults: Record<string, string> }>;
    for (const direction of ['more', 'less'] as const) {
      for (const step of [1, 2, 3]) {
        const entry = colors.find((c) => c.id === deltaColorId(direction, step));
        assert.ok(entry, deltaColorId(direction, step));
        for (const kind of ['dark', 'light', 'highContrast', 'highContrastLight'] as const) assert.equal(entry.defaults[kind], DELTA_COLOR_DEFAULTS[kind][direction][step - 1]);
      }
    }
  });
});
