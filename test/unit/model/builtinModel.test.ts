/**
 * The project's own model (models/icl-lens-windtunnel.gguf): llama.cpp's
 * probabilities equal PyTorch's (the training script saved them), and a short
 * wind-tunnel run meets the model card's figures with a margin.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runWindTunnel } from '../../../src/core/windTunnel/windTunnelProbe';
import type { RuntimeClient } from '../../../src/model/runtimeClient';
import { loadSpec, REPO_ROOT, runtime } from '../../support/fixtures';

const MODEL = path.join(REPO_ROOT, 'models', 'icl-lens-windtunnel.gguf');
/** Mean KL(analytic ‖ model) in bits over a short run (20 sequences): the card's 200-sequence figures with a margin. */
const SHORT_RUN_LIMITS = { coin: 0.01, labels: 0.02, bijection: 0.3 } as const;

describe('the built-in wind-tunnel model', () => {
  let client: RuntimeClient;
  before(() => { client = runtime(loadSpec(MODEL)); });
  after(() => client.dispose());

  it('is committed and loads', async () => {
    assert.ok(fs.existsSync(MODEL), MODEL);
    const loaded = await client.ensureLoaded();
    assert.equal(loaded.model.name, 'icl-lens-windtunnel');
  });

  it("gives llama.cpp's probabilities equal to PyTorch's", async () => {
    const reference: Array<{ text: string; probabilities: Record<string, number> }> = JSON.parse(fs.readFileSync(`${MODEL}.reference.json`, 'utf8'));
    for (const { text, probabilities } of reference) {
      const analysis = await client.analyze({ text, topK: 10 });
      assert.equal(analysis.next?.top.length, 10);
      for (const alt of analysis.next!.top) {
        const expected = probabilities[String(alt.id)];
        assert.ok(Math.abs(alt.p - expected) < 1e-4, `${JSON.stringify(text)} → token ${alt.id}: llama.cpp ${alt.p} vs PyTorch ${expected}`);
      }
    }
  });

  for (const task of ['coin', 'labels', 'bijection'] as const) {
    it(`tracks the analytic posterior on ${task} (20 sequences)`, async () => {
      const report = await runWindTunnel({ task, sequences: 20, seed: 1000 }, (spec) => client.symbolMass(spec));
      assert.ok(report.meanKl <= SHORT_RUN_LIMITS[task], `${task}: mean KL ${report.meanKl} bits`);
      assert.deepEqual(report.multiTokenSymbols, []);
    });
  }
});
