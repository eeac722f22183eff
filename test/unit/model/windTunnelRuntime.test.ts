/** The wind-tunnel probe through the real runtime: symbol probabilities against a fresh reference evaluation. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateSequence, WIND_TUNNEL_TASKS } from '../../../src/core/windTunnel/tasks';
import { runWindTunnel } from '../../../src/core/windTunnel/windTunnelProbe';
import type { RuntimeClient } from '../../../src/model/runtimeClient';
import { RuntimeError } from '../../../src/model/runtimeError';
import { loadSpec, modelFile, REPO_ROOT, runtime } from '../../support/fixtures';
import { reference, tokenize } from '../../support/reference';

/**
 * The tiny test model (a BPE-like vocabulary) and the built-in model (one
 * token per character): the format task's answers start mid-token in the
 * tiny model (its tokenization of "a: SUM" does not break before the S), so
 * it is measured on the built-in model, and the tiny model must refuse it clearly.
 */
const MODELS = [
  { name: 'tiny', path: () => modelFile('tiny'), tasks: WIND_TUNNEL_TASKS.filter((t) => t !== 'format') },
  { name: 'built-in', path: () => path.join(REPO_ROOT, 'models', 'icl-lens-windtunnel.gguf'), tasks: WIND_TUNNEL_TASKS },
];

for (const scorer of ['auto', 'exact-map'] as const) for (const m of MODELS) {
  describe(`symbol probabilities (${m.name} model, ${scorer} scorer)`, () => {
    let client: RuntimeClient;
    const model = m.path();
    before(() => { client = runtime(loadSpec(model, { scorer })); });
    after(() => client.dispose());

    for (const task of m.tasks) {
      it(`equal a fresh evaluation's softmax at every ${task} slot`, async () => {
        const seq = generateSequence(task, 5);
        const result = await client.symbolMass({ text: seq.text, slots: seq.slots });
        const ref = await reference(model, seq.text, 1);
        const prefixTokens = await tokenize(model, seq.text);
        assert.deepEqual(prefixTokens, ref.tokens);
        for (const [i, slot] of seq.slots.entries()) {
          // The document token that starts at or covers the slot is the one the symbol's first token replaces.
          const withSymbol = await Promise.all(slot.symbols.map((s) => tokenize(model, seq.text.slice(0, slot.offset) + s)));
          const before = await tokenize(model, seq.text.slice(0, slot.offset));
          let k = 0;
          while (k < before.length && before[k] === withSymbol[0][k]) k++;
          slot.symbols.forEach((_, j) => {
            const expected = Math.exp(ref.rows[k]!.lnp[withSymbol[j][k]]);
            assert.ok(Math.abs(result.slots[i].mass[j] - expected) < 1e-6, `slot ${i} symbol ${j}: ${result.slots[i].mass[j]} vs ${expected}`);
          });
        }
      });
    }
  });
}

describe('the format task on a tokenizer that merges the answer\'s first letter', () => {
  it('is refused with the reason, not measured at the wrong token', async () => {
    const client = runtime(loadSpec(modelFile('tiny')));
    try {
      const seq = generateSequence('format', 5);
      await assert.rejects(client.symbolMass({ text: seq.text, slots: seq.slots }), (e: unknown) => e instanceof RuntimeError && /"S" at offset \d+ does not start a token in this model's tokenization of the text/.test(e.message));
    } finally {
      client.dispose();
    }
  });
});

describe('wind-tunnel probe', () => {
  it('reports zero KL for a model that is the analytic posterior', async () => {
    // A "model" that reads the text like the task does: counts heads before each slot.
    const report = await runWindTunnel({ task: 'coin', sequences: 20, seed: 3 }, async ({ text, slots }) => ({
      model: { name: 'laplace', path: '', vocabSize: 2, contextSize: 0, trainContextSize: 0 },
      slots: slots.map((s) => {
        const flips = text.slice(0, s.offset).replace(/^flips:/, '').trim().split(/\s+/).filter(Boolean);
        const q = (flips.filter((f) => f === 'H').length + 1) / (flips.length + 2);
        return { mass: [q * 0.5, (1 - q) * 0.5], singleToken: [true, true] };
      }),
    }));
    assert.ok(report.meanKl < 1e-12 && report.meanEntropyError < 1e-12, `${report.meanKl}`);
    assert.equal(report.positions.length, 24);
    assert.ok(Math.abs(report.positions[0].outsideMass - 0.5) < 1e-12);
  });

  it('rejects a sequence longer than the context', async () => {
    const client = runtime(loadSpec(modelFile('tiny'), { maxContextSize: 256 }));
    try {
      const seq = generateSequence('coin', 1, { length: 300 });
      await assert.rejects(client.symbolMass({ text: seq.text, slots: seq.slots }), (e: unknown) => e instanceof RuntimeError && e.code === 'input' && /more than the context/.test(e.message));
    } finally {
      await client.dispose();
    }
  });
});
