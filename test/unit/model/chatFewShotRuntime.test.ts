/**
 * The few-shot sweep on chat files through the real runtime, on tiny models
 * carrying real chat templates: every group's token boundary and every ln p,
 * entropy and format mass of the sweep at each k, of its prequential codes and
 * of leave-one-out, equal a fresh evaluation (a new context, full
 * logits, float64 log-softmax) of the re-rendered prompt's tokens. The rendering is done
 * independently, by node-llama-cpp's own chat wrapper and LlamaText.tokenize,
 * and b* is recomputed from those tokens.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseDocumentFewShot } from '../../../src/core/chat/chatFewShot';
import type { ChatContext, ChatTemplateChoice } from '../../../src/core/chat/chatTypes';
import type { ScoreBatch, ScoreBatchResult } from '../../../src/core/fewShot/continuationScorer';
import type { FewShotStructure } from '../../../src/core/fewShot/fewShotStructure';
import { DEFAULT_PROBE_OPTIONS, runProbe } from '../../../src/core/fewShot/probes';
import { withContinuation } from '../../../src/core/fewShot/promptText';
import { runSweep } from '../../../src/core/fewShot/sweep';
import { commonPrefixLength } from '../../../src/core/sequenceDiff';
import type { RuntimeClient } from '../../../src/model/runtimeClient';
import { disposeRenderers, renderedTokens } from '../../support/chatReference';
import { loadSpec, modelFile, REPO_ROOT, runtime } from '../../support/fixtures';
import { disposeReferenceModels, referenceAfterShared } from '../../support/reference';

const TOLERANCE_BITS = 1e-3;
const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'chat');

function structureOf(file: string): { text: string; s: FewShotStructure } {
  const text = fs.readFileSync(path.join(FIXTURES, file), 'utf8');
  const s = parseDocumentFewShot(text, file).structure;
  assert.ok(s?.chat, 'a chat few-shot structure');
  return { text, s };
}

/** A scorer that sends every batch with `template` and records it with its result. */
function recording(client: RuntimeClient, template: ChatTemplateChoice, log: Array<{ batch: ScoreBatch; result: ScoreBatchResult }>) {
  return async (batch: ScoreBatch) => {
    const sent = { ...batch, template };
    const result = await client.scoreContinuations(sent);
    log.push({ batch: sent, result });
    return result;
  };
}

/**
 * Every group of every batch against the independent rendering and a fresh
 * evaluation; returns the largest |Δ| in bits and how many numbers were compared.
 */
async function checkBatches(model: string, template: ChatTemplateChoice, log: ReadonlyArray<{ batch: ScoreBatch; result: ScoreBatchResult }>): Promise<{ max: number; compared: number }> {
  let max = 0;
  let compared = 0;
  const near = (got: number, expected: number, what: string) => {
    const d = Math.abs(got - expected);
    max = Math.max(max, d);
    compared++;
    assert.ok(d <= TOLERANCE_BITS, `${what}: ${got} vs ${expected} (|Δ| ${d} bits)`);
  };
  for (const { batch, result } of log) {
    for (const [i, group] of batch.groups.entries()) {
      const got = result.groups[i];
      const context = group.context as ChatContext;
      assert.equal(typeof context, 'object', 'a chat context is a conversation');
      const ctx = await renderedTokens(model, context, template);
      const also = (group.boundaryAlso ?? []).filter((x) => x.length > 0);
      const fulls = await Promise.all([...group.continuations, ...also].map((x) => renderedTokens(model, withContinuation(context, x) as ChatContext, template)));
      // b*, recomputed: the shortest common prefix of the context with each context + continuation.
      const boundary = Math.min(ctx.length, ...fulls.map((f) => commonPrefixLength(ctx, f)));
      assert.equal(got.boundary, boundary, `boundary of the group ending ${JSON.stringify(context.turns.at(-1)?.content.slice(-20))}`);
      assert.equal(got.contextTokens, ctx.length);
      for (const [c, x] of group.continuations.entries()) {
        assert.deepEqual(got.continuations[c].tokens, fulls[c], `the tokens of ${JSON.stringify(x)}, as node-llama-cpp renders them`);
        const rows = await referenceAfterShared(model, fulls[c], boundary - 1);
        got.continuations[c].lnp.forEach((lnp, t) => {
          const j = boundary + t;
          near(lnp * Math.LOG2E, rows[j - boundary].lnp[fulls[c][j]] * Math.LOG2E, `${JSON.stringify(x)} token ${t} (bits)`);
        });
        if (c === 0 && group.stats) {
          // The answer's row: the distribution that predicts token b*.
          near(got.entropyBits!, rows[0].entropy, 'entropy at the answer');
          if (batch.tokenClass) {
            const classIds = new Set(fulls.slice(group.continuations.length).filter((f) => f.length > boundary).map((f) => f[boundary]));
            const mass = [...classIds].reduce((a, id) => a + Math.exp(rows[0].lnp[id]), 0);
            assert.ok(Math.abs(got.classMass! - mass) < 1e-6, `format mass ${got.classMass} vs ${mass}`);
            // As bits too, for the report.
            near(Math.log2(got.classMass!), Math.log2(mass), 'log2 format mass');
          }
        }
      }
    }
  }
  return { max, compared };
}

const CASES: ReadonlyArray<{ preset: 'chat-qwen2' | 'chat-chatml' | 'chat-llama3'; template: ChatTemplateChoice; file: string; named: RegExp }> = [
  { preset: 'chat-qwen2', template: 'auto', file: 'labels.chat.json', named: /^the model's chat template$/ },
  { preset: 'chat-chatml', template: 'chatML', file: 'yesno.chat.txt', named: /^chatML \(node-llama-cpp\)$/ },
  { preset: 'chat-llama3', template: 'auto', file: 'yesno.chat.txt', named: /^the model's chat template$/ },
];

for (const { preset, template, file, named } of CASES) {
  describe(`few-shot sweep of ${file} on ${preset} (template ${template})`, () => {
    const model = modelFile(preset);
    let client: RuntimeClient;
    const worst = { max: 0, compared: 0 };
    before(() => { client = runtime(loadSpec(model)); });
    after(async () => {
      await client.dispose();
      await disposeRenderers();
      await disposeReferenceModels();
      process.stdout.write(`# ${preset} ${template}: ${worst.compared} numbers, max |Δ| ${worst.max.toExponential(2)} bits\n`);
    });

    it('scores every k, prequential code and leave-one-out as a fresh evaluation of the re-rendered conversation', async () => {
      const { text, s } = structureOf(file);
      const log: Array<{ batch: ScoreBatch; result: ScoreBatchResult }> = [];
      const result = await runSweep(text, s, recording(client, template, log), { leaveOneOut: true });
      assert.equal(result.ks.length, s.examples.length + 1);
      assert.match(result.template ?? '', named);
      assert.ok(result.examples.every((e) => e.prequentialBits !== null && e.looDeltaBits !== null));
      // One batch per k (its answers and the next example's prequential code), then leave-one-out.
      assert.equal(log.length, s.examples.length + 2);
      const { max, compared } = await checkBatches(model, template, log);
      worst.max = Math.max(worst.max, max);
      worst.compared += compared;
      // Per k: the target's and both candidates' ln p, the entropy and the format mass; each example's prequential code; leave-one-out.
      assert.ok(compared >= 30, `compared ${compared} numbers`);
      // The sweep's figures are those groups' numbers.
      const last = result.ks.at(-1)!;
      assert.ok(Math.abs(last.targetBits! - last.targetTokenBits.reduce((a, b) => a + b, 0)) < 1e-9);
      assert.ok(Math.abs(Object.values(last.posterior).reduce((a, b) => a + b, 0) - 1) < 1e-12);
    });

    it('runs the leave-one-out probe on the same numbers', async () => {
      const { text, s } = structureOf(file);
      const log: Array<{ batch: ScoreBatch; result: ScoreBatchResult }> = [];
      const report = await runProbe('loo', text, s, recording(client, template, log), DEFAULT_PROBE_OPTIONS);
      assert.equal(report.probe, 'loo');
      if (report.probe !== 'loo') return;
      assert.equal(report.examples.length, s.examples.length);
      const { max, compared } = await checkBatches(model, template, log);
      worst.max = Math.max(worst.max, max);
      worst.compared += compared;
      assert.ok(compared >= s.examples.length + 1);
      // The probe's Δ equals the sweep's leave-one-out pass.
      const sweep = await runSweep(text, s, (b) => client.scoreContinuations({ ...b, template }), { leaveOneOut: true });
      sweep.examples.forEach((e, i) => assert.ok(Math.abs(e.looDeltaBits! - report.examples[i].looDeltaBits!) < 1e-6, `E${i + 1}`));
    });
  });
}
