/**
 * The few-shot sweep through the real runtime: every number against a fresh
 * evaluation without cache reuse, the reuse ratio, streaming, cancellation, and
 * the built-in model's posterior against the analytic one.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ScoreBatch, ScoreBatchResult } from '../../../src/core/fewShot/continuationScorer';
import { parseFewShot } from '../../../src/core/fewShot/fewShotParser';
import type { FewShotStructure } from '../../../src/core/fewShot/fewShotStructure';
import { klBits } from '../../../src/core/fewShot/posteriorMath';
import { runProbe, DEFAULT_PROBE_OPTIONS } from '../../../src/core/fewShot/probes';
import { prefixK } from '../../../src/core/fewShot/promptText';
import { runSweep, type SweepResult } from '../../../src/core/fewShot/sweep';
import type { RuntimeClient } from '../../../src/model/runtimeClient';
import { RuntimeError } from '../../../src/model/runtimeError';
import { loadSpec, modelFile, REPO_ROOT, runtime } from '../../support/fixtures';
import { reference, tokenize } from '../../support/reference';

const PROMPT = [
  '---',
  'candidates:',
  '  dsl: " SUM(runs)"',
  '  english: " He scored"',
  'target: " SUM(runs) WHERE year=2019"',
  '---',
  'Translate to the DSL.',
  '',
  'Q: Kohli runs 2019?',
  'A: SUM(runs) WHERE player="Kohli"',
  '',
  'Q: café ☕ wickets?',
  'A: SUM(wickets)',
  '',
  'Q: Root\'s best?',
  'A: MAX(runs)',
  '',
  'Q: runs in 2019?',
  'A:',
].join('\n');

function structureOf(text: string): FewShotStructure {
  const s = parseFewShot(text).structure;
  assert.ok(s);
  return s;
}

/** A scorer that records every batch and its result. */
function recording(client: RuntimeClient, log: Array<{ batch: ScoreBatch; result: ScoreBatchResult }>, signal?: AbortSignal) {
  return async (batch: ScoreBatch) => {
    const result = await client.scoreContinuations(batch, { signal });
    log.push({ batch, result });
    return result;
  };
}

const BUILTIN = path.join(REPO_ROOT, 'models', 'icl-lens-windtunnel.gguf');

for (const scorer of ['auto', 'exact-map'] as const) {
  describe(`few-shot sweep (${scorer} scorer)`, () => {
    const model = modelFile('tiny');
    let client: RuntimeClient;
    before(() => { client = runtime(loadSpec(model, { scorer })); });
    after(() => client.dispose());

    it('gives every log-probability, entropy and format mass of a fresh evaluation without cache reuse', async () => {
      const s = structureOf(PROMPT);
      const log: Array<{ batch: ScoreBatch; result: ScoreBatchResult }> = [];
      const result = await runSweep(PROMPT, s, recording(client, log), { leaveOneOut: true });
      assert.equal(result.ks.length, 4);
      assert.equal(result.examples.length, 3);
      let compared = 0;
      for (const { batch, result: r } of log) {
        for (const [i, scored] of batch.groups.entries()) {
          // A text prompt's contexts are texts.
          assert.equal(typeof scored.context, 'string');
          const group = { ...scored, context: scored.context as string };
          const got = r.groups[i];
          // The boundary, computed independently: the shortest common prefix of the context with each context+continuation.
          const ctx = await reference(model, group.context, 1);
          const also = (group.boundaryAlso ?? []).filter((x) => x.length > 0);
          const refs = await Promise.all([...group.continuations, ...also].map((x) => reference(model, group.context + x, 1)));
          const bos = ctx.bos ? 1 : 0;
          const boundary = Math.min(ctx.tokens.length, ...refs.map((x) => { let j = 0; while (ctx.tokens[j] === x.tokens[j] && j < ctx.tokens.length) j++; return j; }));
          assert.equal(got.boundary - bos, boundary, `boundary of ${JSON.stringify(group.context.slice(-20))}`);
          group.continuations.forEach((x, c) => {
            const ref = refs[c];
            assert.deepEqual(got.continuations[c].tokens.slice(bos), ref.tokens, 'the same tokenization');
            got.continuations[c].lnp.forEach((lnp, t) => {
              const j = boundary + t;
              const expected = ref.rows[j]!.lnp[ref.tokens[j]];
              assert.ok(Math.abs(lnp - expected) < 1e-4, `${JSON.stringify(x)} token ${t}: ${lnp} vs ${expected}`);
              compared++;
            });
          });
          if (group.stats) {
            const row = refs[0].rows[boundary]!;
            assert.ok(Math.abs(got.entropyBits! - row.entropy) < 1e-4, `entropy ${got.entropyBits} vs ${row.entropy}`);
            if (batch.tokenClass) {
              // The format class: the token each example output starts with at the boundary.
              const classIds = new Set(refs.slice(group.continuations.length).map((x) => x.tokens[boundary]));
              const mass = [...classIds].reduce((a, id) => a + Math.exp(row.lnp[id]), 0);
              assert.ok(Math.abs(got.classMass! - mass) < 1e-6, `format mass ${got.classMass} vs ${mass}`);
            }
          }
        }
      }
      assert.ok(compared > 50, `compared ${compared} log-probabilities`);
      // The numbers the sweep reports come from those terms.
      const k3 = result.ks[3];
      assert.ok(Math.abs(k3.targetBits! - k3.targetTokenBits.reduce((a, b) => a + b, 0)) < 1e-9);
      const sum = k3.posterior.dsl + k3.posterior.english;
      assert.ok(Math.abs(sum - 1) < 1e-12);
    });

    it('evaluates at most 1.1× the theoretical minimum of tokens', async () => {
      const s = structureOf(PROMPT);
      const log: Array<{ batch: ScoreBatch; result: ScoreBatchResult }> = [];
      const result = await runSweep(PROMPT, s, recording(client, log), { leaveOneOut: false });
      assert.ok(result.tokensEvaluated <= 1.1 * result.tokensMinimum, `${result.tokensEvaluated} vs minimum ${result.tokensMinimum}`);
      // The bound: the example tokens plus (K + 1) × (query + continuations), counted from the tokenizer.
      const count = async (t: string) => (await tokenize(model, t)).length;
      const body = PROMPT.slice(s.bodyStart);
      const queryText = PROMPT.slice(s.query.start, s.query.outputStart);
      const continuations = [s.target!, ...s.candidates.map((c) => c.text)];
      const bound = (await count(body.slice(0, s.query.start - s.bodyStart))) + 4 * ((await count(queryText)) + (await Promise.all(continuations.map(count))).reduce((a, b) => a + b, 0));
      assert.ok(result.tokensEvaluated <= 1.1 * bound, `${result.tokensEvaluated} vs ${bound}`);
      // Without reuse every request would be evaluated whole.
      const naive = log.flatMap((l) => l.result.groups.flatMap((g) => g.continuations.map((r) => r.tokens.length - 1))).reduce((a, b) => a + b, 0);
      assert.ok(result.tokensEvaluated < naive / 2, `${result.tokensEvaluated} vs ${naive} without reuse`);
    });

    it('streams partial results in k order and marks only the last complete', async () => {
      const s = structureOf(PROMPT);
      const seen: Array<{ ks: number; complete: boolean; done: number; total: number }> = [];
      await runSweep(PROMPT, s, (b) => client.scoreContinuations(b), { leaveOneOut: true, onPartial: (p, done, total) => seen.push({ ks: p.ks.length, complete: p.complete, done, total }) });
      assert.deepEqual(seen.map((x) => x.ks), [1, 2, 3, 4, 4]);
      assert.deepEqual(seen.map((x) => x.complete), [false, false, false, false, true]);
      assert.deepEqual(seen.map((x) => x.done), [1, 2, 3, 4, 5]);
    });

    it('cancels cleanly, and the next sweep equals an undisturbed one; analyses around it stay exact', async () => {
      const s = structureOf(PROMPT);
      const clean = await runSweep(PROMPT, s, (b) => client.scoreContinuations(b), { leaveOneOut: true });
      const controller = new AbortController();
      await assert.rejects(
        runSweep(PROMPT, s, (b) => client.scoreContinuations(b, { signal: controller.signal }), { leaveOneOut: true, onPartial: (_, done) => { if (done === 2) controller.abort(); } }),
        (err: unknown) => err instanceof RuntimeError && err.code === 'cancelled',
      );
      const before = await client.analyze({ text: PROMPT, topK: 3 });
      const again = await runSweep(PROMPT, s, (b) => client.scoreContinuations(b), { leaveOneOut: true });
      assert.deepEqual(stripCounts(again), stripCounts(clean));
      const afterSweep = await client.analyze({ text: PROMPT, topK: 3 });
      assert.deepEqual(afterSweep.tokens, before.tokens, 'an analysis after a sweep equals one before it');
    });

    it('leave-one-out in the sweep equals the leave-one-out probe', async () => {
      const s = structureOf(PROMPT);
      const sweep = await runSweep(PROMPT, s, (b) => client.scoreContinuations(b), { leaveOneOut: true });
      const probe = await runProbe('loo', PROMPT, s, (b) => client.scoreContinuations(b), DEFAULT_PROBE_OPTIONS);
      assert.equal(probe.probe, 'loo');
      if (probe.probe !== 'loo') return;
      sweep.examples.forEach((e, i) => assert.ok(Math.abs(e.looDeltaBits! - probe.examples[i].looDeltaBits!) < 1e-6));
    });

    it('reads entropy and format mass where the answer starts even without a target or candidates', async () => {
      const text = 'cat -> 1\ndog -> 2\nbird ->';
      const s = structureOf(text);
      assert.equal(s.target, null);
      assert.equal(s.candidates.length, 0);
      const r = await runSweep(text, s, (b) => client.scoreContinuations(b), { leaveOneOut: true });
      for (const k of r.ks) {
        const context = prefixK(text, s, k.k);
        // The distribution after the whole context: the row of the token that follows it.
        const ctx = await tokenize(model, context);
        const after = await reference(model, `${context} 1`, 1);
        assert.deepEqual(after.tokens.slice(0, ctx.length), ctx);
        const answerRow = after.rows[ctx.length]!;
        assert.ok(Math.abs(k.answerEntropy! - answerRow.entropy) < 1e-4, `k=${k.k}: ${k.answerEntropy} vs ${answerRow.entropy}`);
        assert.ok(k.formatMass !== null && k.formatMass > 0 && k.formatMass <= 1);
        assert.equal(k.targetBits, null);
      }
    });

    it('refuses a sweep longer than the context with an input error', async () => {
      const small = runtime(loadSpec(model, { scorer, maxContextSize: 256 }));
      try {
        const long = `${'Q: a b c d e f g h\nA: 1\n\n'.repeat(40)}Q: x\nA:`;
        await assert.rejects(runSweep(long, structureOf(long), (b) => small.scoreContinuations(b), { leaveOneOut: false }),
          (err: unknown) => err instanceof RuntimeError && err.code === 'input' && /more than the context/.test(err.message));
      } finally {
        await small.dispose();
      }
    });
  });
}

describe('the built-in model on its own language', () => {
  let client: RuntimeClient;
  before(() => { client = runtime(loadSpec(BUILTIN)); });
  after(() => client.dispose());

  for (const demo of ['labels-sweep.icl.txt', 'coin-sweep.icl.txt']) {
    it(`follows the analytic posterior at every k on demo/fewshot/${demo}`, async () => {
      const text = fs.readFileSync(path.join(REPO_ROOT, 'demo', 'fewshot', demo), 'utf8');
      const s = structureOf(text);
      const r = await runSweep(text, s, (b) => client.scoreContinuations(b), { leaveOneOut: false });
      const names = s.candidates.map((c) => c.name);
      assert.ok(r.ks.length >= 10);
      for (const k of r.ks) {
        const model = names.map((n) => k.posterior[n]);
        const analytic = names.map((n) => k.referencePosterior![n]);
        assert.ok(klBits(analytic, model) < 0.01, `k=${k.k}: KL ${klBits(analytic, model)} (model ${model}, analytic ${analytic})`);
      }
      // Converging: the posterior moves away from the prior as evidence accumulates.
      const first = r.ks[0].posterior[names[0]];
      const last = r.ks[r.ks.length - 1].posterior[names[0]];
      assert.ok(Math.abs(first - 0.5) < 0.02 && Math.abs(last - 0.5) > 0.2, `P(${names[0]}) from ${first} to ${last}`);
    });
  }
});

/** A sweep's numbers without the evaluation counts (which depend on what the cache held). */
function stripCounts(r: SweepResult): unknown {
  return { ...r, tokensEvaluated: 0, tokensMinimum: 0, looTokensEvaluated: 0 };
}
