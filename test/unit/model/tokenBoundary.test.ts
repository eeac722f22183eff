/**
 * The token-boundary rule (docs/numbers.md): every answer compared at one
 * context is scored from the common boundary b* = min over the answers of
 * LCP(tok(C), tok(C+X)), and the answer's entropy and format mass are read at
 * the row that predicts token b*. Checked against an independent float64
 * computation from fresh evaluations, on tokenizers that merge the separator
 * into some labels and not others.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseFewShot } from '../../../src/core/fewShot/fewShotParser';
import type { FewShotStructure } from '../../../src/core/fewShot/fewShotStructure';
import { runProbe, DEFAULT_PROBE_OPTIONS } from '../../../src/core/fewShot/probes';
import { exampleOutput, prefixK, promptBeforeAnswer, range } from '../../../src/core/fewShot/promptText';
import { runSweep } from '../../../src/core/fewShot/sweep';
import type { ModelPreset } from '../../../src/core/gguf/modelPresets';
import { commonPrefixLength } from '../../../src/core/sequenceDiff';
import type { RuntimeClient } from '../../../src/model/runtimeClient';
import { loadSpec, modelFile, runtime } from '../../support/fixtures';
import { reference, type Reference } from '../../support/reference';

const LN2 = Math.LN2;

function labelsPrompt(labels: string): string {
  return ['---', 'header: "labels:"', 'separator: " "', '---', `labels: ${labels}`, ''].join('\n');
}

function structureOf(text: string): FewShotStructure {
  const s = parseFewShot(text).structure;
  assert.ok(s, 'a few-shot structure');
  return s;
}

/** Independent scores of the answers at `context`: fresh evaluations, float64 log-softmax, the boundary recomputed here. */
async function independent(model: string, context: string, answers: readonly string[], outputs: readonly string[]) {
  const ctx = await reference(model, context, 1);
  const refs = new Map<string, Reference>();
  for (const x of new Set([...answers, ...outputs])) refs.set(x, await reference(model, context + x, 1));
  // b* on the document tokens (BOS, if any, is common to all and not counted here).
  const own = answers.map((x) => commonPrefixLength(ctx.tokens, refs.get(x)!.tokens));
  const boundary = Math.min(...[...answers, ...outputs].map((x) => commonPrefixLength(ctx.tokens, refs.get(x)!.tokens)));
  const lnP = (x: string, from: number) => {
    const r = refs.get(x)!;
    let sum = 0;
    for (let j = from; j < r.tokens.length; j++) sum += r.rows[j]!.lnp[r.tokens[j]];
    return sum;
  };
  const common = answers.map((x) => lnP(x, boundary));
  const separately = answers.map((x, i) => lnP(x, own[i]));
  const row = refs.get(answers[0])!.rows[boundary]!;
  const classIds = new Set(outputs.map((o) => refs.get(o)!.tokens[boundary]));
  const formatMass = [...classIds].reduce((a, id) => a + Math.exp(row.lnp[id]), 0);
  return { boundary, own, contextTokens: ctx.tokens.length, common, separately, entropy: row.entropy, formatMass };
}

function softmax(xs: readonly number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

interface Case {
  readonly preset: ModelPreset;
  readonly labels: string;
  /** The label whose first token swallows the separator, and one whose does not (null: the tokenizer merges it into every label). */
  readonly merges: string;
  readonly separate: string | null;
  /** The k to check against the independent computation (all when omitted). */
  readonly ks?: readonly number[];
}

const CASES: readonly Case[] = [
  // SentencePiece with "▁B" but no "▁A", as in stories260K's 512-token vocabulary.
  { preset: 'tiny-merged-b', labels: 'B A B B A B B B A B B A B B', merges: 'B', separate: 'A' },
  // Qwen2's 152k BPE: its pre-tokenizer joins a space to letters but never to digits, so " B" merges and " 1" does not.
  { preset: 'bpe-qwen2', labels: 'B 1 B B 1 B B', merges: 'B', separate: '1', ks: [0, 6] },
  // StarCoder's 49k BPE (GPT-2 pre-tokenizer): the space merges into every label; all are still scored from one boundary.
  { preset: 'bpe-starcoder', labels: 'B A B B A B B', merges: 'B', separate: null, ks: [0, 6] },
];

for (const c of CASES) {
  describe(`one token boundary for every answer (${c.preset})`, () => {
    const model = modelFile(c.preset);
    let client: RuntimeClient;
    before(() => { client = runtime(loadSpec(model)); });
    after(() => client.dispose());
    const text = labelsPrompt(c.labels);

    it('the tokenizer really merges the separator into some labels only', async () => {
      const s = structureOf(text);
      const context = prefixK(text, s, s.examples.length);
      const ctx = await reference(model, context, 1);
      const lcpOf = async (x: string) => commonPrefixLength(ctx.tokens, (await reference(model, context + x, 1)).tokens);
      assert.ok((await lcpOf(c.merges)) < ctx.tokens.length, `"${c.merges}" merges the separator`);
      if (c.separate !== null) assert.equal(await lcpOf(c.separate), ctx.tokens.length, `"${c.separate}" does not`);
    });

    it('gives the posterior, coverage, target, entropy and format mass of scoring every answer from the common boundary', async () => {
      const s = structureOf(text);
      const names = s.candidates.map((x) => x.name);
      const sweep = await runSweep(text, s, (b) => client.scoreContinuations(b), { leaveOneOut: false });
      const outputs = s.examples.map((e) => exampleOutput(text, e));
      let differsFromSeparate = 0;
      for (const k of c.ks ?? range(s.examples.length + 1)) {
        const got = sweep.ks[k];
        const ref = await independent(model, prefixK(text, s, k), [s.target!, ...s.candidates.map((x) => x.text)], outputs);
        const posterior = softmax(ref.common.slice(1));
        names.forEach((n, i) => assert.ok(Math.abs(got.posterior[n] - posterior[i]) < 1e-4, `k=${k} P(${n}) ${got.posterior[n]} vs ${posterior[i]}`));
        const coverageLog2 = Math.log2(ref.common.slice(1).reduce((a, l) => a + Math.exp(l), 0));
        assert.ok(Math.abs(-got.coverageBits! - coverageLog2) < 1e-4, `k=${k} coverage ${-got.coverageBits!} vs ${coverageLog2} (log2)`);
        assert.ok(Math.abs(got.targetBits! + ref.common[0] / LN2) < 1e-4, `k=${k} target ${got.targetBits} vs ${-ref.common[0] / LN2}`);
        assert.ok(Math.abs(got.answerEntropy! - ref.entropy) < 1e-4, `k=${k} entropy ${got.answerEntropy} vs ${ref.entropy}`);
        assert.ok(Math.abs(got.formatMass! - ref.formatMass) < 1e-4, `k=${k} format mass ${got.formatMass} vs ${ref.formatMass}`);
        assert.equal(got.mergedContextTokens, ref.contextTokens - ref.boundary);
        const separate = softmax(ref.separately.slice(1));
        if (Math.abs(separate[0] - posterior[0]) > 0.01) differsFromSeparate++;
      }
      // Where the tokenizer merges into one label only, scoring each from its own boundary gives another posterior: the defect this rule fixes.
      if (c.separate !== null) assert.ok(differsFromSeparate > 0, 'own-boundary scoring differs somewhere');
    });

    it('leave-one-out and the probes use the same boundary as the sweep', async () => {
      const s = structureOf(text);
      const K = s.examples.length;
      const sweep = await runSweep(text, s, (b) => client.scoreContinuations(b), { leaveOneOut: true });
      const outputs = s.examples.map((e) => exampleOutput(text, e));
      const without = await independent(model, promptBeforeAnswer(text, s, { examples: range(K).filter((j) => j !== 0) }), [s.target!, ...s.candidates.map((x) => x.text)], outputs);
      const expected = sweep.ks[K].targetBits! - -without.common[0] / LN2;
      assert.ok(Math.abs(sweep.examples[0].looDeltaBits! - expected) < 1e-4, `LOO E1 ${sweep.examples[0].looDeltaBits} vs ${expected}`);
      const order = await runProbe('order', text, s, (b) => client.scoreContinuations(b), { ...DEFAULT_PROBE_OPTIONS, permutations: 2 });
      assert.equal(order.probe, 'order');
      if (order.probe !== 'order') return;
      // The written order comes first: it is the sweep's k = K prompt.
      for (const n of s.candidates.map((x) => x.name)) assert.ok(Math.abs(order.orders[0].posterior[n] - sweep.ks[K].posterior[n]) < 1e-6);
    });
  });
}
