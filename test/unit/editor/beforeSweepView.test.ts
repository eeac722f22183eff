/**
 * Compare With Previous Version on a few-shot prompt: the panel's "before"
 * curves come from the sweep the editor runs on the old text (runSweep with the
 * editor's default options, through the few-shot view), and must equal
 * `icl-lens sweep <file> --against <old> --json`'s `before` on a generated
 * model; the verdict compares both at the largest common k.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseFewShot } from '../../../src/core/fewShot/fewShotParser';
import { runSweep, type SweepResult } from '../../../src/core/fewShot/sweep';
import { num } from '../../../src/core/fewShot/verdicts';
import { DEFAULT_SETTINGS } from '../../../src/core/settings';
import { fewShotView } from '../../../src/editor/fewShotView';
import type { RuntimeClient } from '../../../src/model/runtimeClient';
import { CliRunner } from '../../support/cliRunner';
import { loadSpec, modelFile, runtime } from '../../support/fixtures';

const FRONT = '---\nheader: "labels:"\nseparator: " "\n---\n';
const OLD = `${FRONT}labels: A A B A A B A A A\n`;
const NOW = `${FRONT}labels: A B B A A B A A A A\n`;

const runner = new CliRunner();
const model = modelFile('tiny');
let client: RuntimeClient;
before(() => { client = runtime(loadSpec(model)); });
after(async () => {
  await client.dispose();
  runner.dispose();
});

/** The editor's sweep of `text`: its parse options and sweep options at their defaults. */
async function editorSweep(text: string): Promise<SweepResult> {
  const f = DEFAULT_SETTINGS.fewShot;
  const structure = parseFewShot(text, { contentFree: f.contentFreeInput, formatClass: f.formatClass || undefined, lengthNormalize: f.lengthNormalize }).structure;
  assert.ok(structure);
  return runSweep(text, structure, (batch) => client.scoreContinuations(batch, {}), { leaveOneOut: f.leaveOneOut, toleranceBits: f.toleranceBits });
}

describe('the panel\'s before curves (Compare With Previous Version)', () => {
  it('equal `icl-lens sweep --against --json`\'s before, k by k, with a verdict at the largest common k', async () => {
    const file = runner.file('now.icl.txt', NOW);
    const old = runner.file('old.icl.txt', OLD);
    const r = runner.run(['sweep', file, '--against', old, '--json', '--model', model]);
    assert.equal(r.code, 0, r.stderr);
    const cli = JSON.parse(r.stdout) as { against: string; before: { target: string; ks: Array<{ k: number; targetBits: number | null; posterior: Record<string, number> }> }; after: { ks: unknown[] } };

    const now = await editorSweep(NOW);
    const view = fewShotView({ document: 'now.icl.txt', uri: 'file:///now.icl.txt', text: NOW, sweep: now, stale: false, before: { label: cli.against, sweep: await editorSweep(OLD) } });
    const b = view.before;
    assert.ok(b, 'the view has the before sweep');
    assert.equal(b.label, cli.against);
    assert.equal(b.target, cli.before.target);
    assert.equal(b.ks.length, cli.before.ks.length);
    assert.equal(view.ks.length, cli.after.ks.length);
    // The CLI sweeps the old text first and then the current one in one runtime; the panel's
    // sweeps ran in another process: equal within 1e-4 bits (KV reuse changes the last digits).
    for (const [i, k] of b.ks.entries()) {
      const want = cli.before.ks[i];
      assert.equal(k.k, want.k);
      assert.ok(k.targetBits !== null && want.targetBits !== null && Math.abs(k.targetBits - want.targetBits) < 1e-4, `k=${k.k}: ${k.targetBits} vs ${want.targetBits}`);
      for (const name of Object.keys(want.posterior)) assert.ok(Math.abs(k.posterior[name] - want.posterior[name]) < 1e-4, `k=${k.k} P(${name})`);
    }
    assert.equal(b.candidate, 'A');
    const k = Math.min(b.ks[b.ks.length - 1].k, view.ks[view.ks.length - 1].k);
    assert.equal(k, 8, 'the old text has 8 examples before its query, the current 9');
    const p = (bits: number | null) => num(2 ** -(bits ?? NaN));
    assert.ok(b.verdict.text.startsWith(`At k = 8: P(target) ${p(view.ks[8].targetBits)} now, ${p(b.ks[8].targetBits)} before`), b.verdict.text);
    assert.ok(b.verdict.text.endsWith(`(${cli.against}).`), b.verdict.text);
  });

  it('is absent without an earlier version', async () => {
    const view = fewShotView({ document: 'now.icl.txt', uri: 'file:///now.icl.txt', text: NOW, sweep: await editorSweep(NOW), stale: false });
    assert.equal(view.before, undefined);
  });
});
