/**
 * Comparing two revisions is exact: each matched token's Δsurprisal and
 * Δentropy equal the difference of two independent float64 references (fresh
 * contexts, full distributions) of the old and the new text, and the tokens
 * matched are exactly those the reference tokenizations have at the same place,
 * on a tiny vocabulary and on a real BPE one.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compareRevisions } from '../../../src/core/compare/revisions';
import { analyzeDocument } from '../../../src/model/analyzeDocument';
import type { RuntimeClient } from '../../../src/model/runtimeClient';
import { loadSpec, modelFile, runtime } from '../../support/fixtures';
import { reference } from '../../support/reference';

/** Each side within 1e-3 bits of its reference (docs/numbers.md), so a difference within 2e-3. */
const TOLERANCE_BITS = 2e-3;
const OLD = 'Review: the movie was great\nSentiment: positive\nReview: dull plot\nSentiment:';
// "great" → "fine": the texts share everything before `EDIT_AT` and everything after the edit, shifted by one.
const EDIT_AT = OLD.indexOf('great');
const NEW = `${OLD.slice(0, EDIT_AT)}fine${OLD.slice(EDIT_AT + 5)}`;
const SHIFT = 1;

for (const preset of ['tiny', 'bpe-starcoder'] as const) {
  describe(`comparing two revisions (${preset})`, () => {
    const model = modelFile(preset);
    let client: RuntimeClient;
    before(() => { client = runtime(loadSpec(model)); });
    after(() => client.dispose());

    it('gives each matched token the difference of two independent references', async (t) => {
      // As the CLI does: the old text, then the current one, on one runtime (with its KV-cache reuse).
      const old = await analyzeDocument(client, OLD, 5);
      const current = await analyzeDocument(client, NEW, 5);
      const comparison = compareRevisions(current, old);
      const refOld = await reference(model, OLD, 5);
      const refNew = await reference(model, NEW, 5);
      assert.deepEqual(current.tokens.map((t) => t.id), refNew.tokens);
      assert.deepEqual(old.tokens.map((t) => t.id), refOld.tokens);

      // Independently: a new token matches the reference's old token with the same id at its place in the old text.
      const expected = refNew.tokens.map((id, j) => {
        const { start, end } = refNew.spans[j];
        const at = end <= EDIT_AT && start < EDIT_AT ? { start, end } : start >= EDIT_AT + 4 ? { start: start + SHIFT, end: end + SHIFT } : undefined;
        if (at === undefined) return null;
        const i = refOld.tokens.findIndex((oid, k) => oid === id && refOld.spans[k].start === at.start && refOld.spans[k].end === at.end);
        return i < 0 ? null : i;
      });
      assert.deepEqual(comparison.deltas.map((d) => d.oldIndex), expected);
      const matched = comparison.deltas.filter((d) => d.oldIndex !== null);
      assert.ok(matched.length >= 6 && comparison.added >= 1, `${matched.length} matched, ${comparison.added} new`);
      assert.ok(matched.some((d) => current.tokens[d.index].start > EDIT_AT), 'tokens after the edit are matched too');

      let maxError = 0;
      let maxDelta = 0;
      for (const d of matched) {
        const a = refNew.rows[d.index];
        const b = refOld.rows[d.oldIndex!];
        if (a === undefined || b === undefined) {
          assert.equal(d.deltaSurprisal, null);
          continue;
        }
        maxError = Math.max(maxError, Math.abs(d.deltaSurprisal! - (a.surprisal - b.surprisal)), Math.abs(d.deltaEntropy! - (a.entropy - b.entropy)));
        maxDelta = Math.max(maxDelta, Math.abs(a.surprisal - b.surprisal));
      }
      t.diagnostic(`${matched.length} matched, ${comparison.added} new; max |Δ error| ${maxError.toExponential(2)} bits, largest Δsurprisal ${maxDelta.toFixed(3)} bits`);
      assert.ok(maxError <= TOLERANCE_BITS, `max error ${maxError} bits`);
      // The edit changes what follows it: the comparison has something to show.
      assert.ok(maxDelta > 0.01, `largest reference Δsurprisal ${maxDelta} bits`);
    });

    it('matches every token of an unchanged text with Δ exactly 0', async () => {
      const first = await analyzeDocument(client, NEW, 5);
      await analyzeDocument(client, OLD, 5);
      const again = await analyzeDocument(client, NEW, 5);
      const comparison = compareRevisions(again, first);
      assert.equal(comparison.added, 0);
      assert.equal(comparison.removed, 0);
      for (const d of comparison.deltas) {
        assert.equal(d.oldIndex, d.index);
        if (first.tokens[d.index].surprisal !== null) assert.deepEqual([d.deltaSurprisal, d.deltaEntropy], [0, 0]);
      }
    });
  });
}
