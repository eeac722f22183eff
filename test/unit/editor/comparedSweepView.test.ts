/**
 * Model B's sweep in the panel's view (a model comparison on a few-shot
 * prompt): B's numbers, run through the same path the editor uses
 * (sweepWithModelB, then fewShotView), equal `icl-lens sweep --model B --json`
 * and the B half of `sweep --model A --model B --json`, on generated models
 * that share a vocabulary but not their weights; the line comparing them reads
 * both sweeps at the last k.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { sweepPairVerdict, type SweepSide } from '../../../src/core/compare/modelsSweep';
import { parseFewShot } from '../../../src/core/fewShot/fewShotParser';
import { runSweep, type SweepResult } from '../../../src/core/fewShot/sweep';
import { num } from '../../../src/core/fewShot/verdicts';
import { fewShotView } from '../../../src/editor/fewShotView';
import { sweepWithModelB } from '../../../src/model/modelBSweep';
import { CliRunner } from '../../support/cliRunner';
import { loadSpec, modelFile, REPO_ROOT, runtime } from '../../support/fixtures';

const cli = new CliRunner();
after(() => cli.dispose());
const FILE = path.join(REPO_ROOT, 'test', 'integration', 'workspace', 'labels-sweep.icl.txt');

interface CliSweep { model: { name: string }; ks: Array<{ k: number; targetBits: number | null; posterior: Record<string, number> }> }

describe('model B\'s sweep in the panel\'s view', () => {
  it('equals icl-lens sweep --model B --json, k by k, beside A\'s different numbers', async () => {
    const [a, b] = [modelFile('tiny'), modelFile('tiny-alt')];
    const text = fs.readFileSync(FILE, 'utf8');
    const structure = parseFewShot(text).structure!;
    const runtimeA = runtime(loadSpec(a));
    let sweepA: SweepResult;
    let sweepB: SweepResult;
    let memory = '';
    const runtimeB = runtime(loadSpec(b));
    try {
      sweepA = await runSweep(text, structure, (batch) => runtimeA.scoreContinuations(batch), { leaveOneOut: false });
      ({ result: sweepB } = await sweepWithModelB(text, structure, async () => ({ runtime: runtimeB, memory: 'beside A (test)' }), { onMemory: (m) => { memory = m; } }));
    } finally {
      await runtimeA.dispose();
      await runtimeB.dispose();
    }
    assert.equal(memory, 'beside A (test)');
    const view = fewShotView({ document: 'labels-sweep.icl.txt', uri: 'file:///labels-sweep.icl.txt', text, sweep: sweepA, stale: false, compared: { model: 'tiny-alt', sweep: sweepB, stale: false, memory } });
    const compared = view.compared!;
    assert.equal(compared.modelA, 'icl-lens-tiny-random');
    assert.equal(compared.model, 'icl-lens-tiny-random-alt');
    assert.ok(compared.complete && !compared.stale);

    const alone = cli.run(['sweep', FILE, '--model', b, '--json']);
    assert.equal(alone.code, 0, alone.stderr);
    const pair = cli.run(['sweep', FILE, '--model', a, '--model', b, '--json']);
    assert.equal(pair.code, 0, pair.stderr);
    const outB = JSON.parse(alone.stdout) as CliSweep;
    const outPair = JSON.parse(pair.stdout) as { a: CliSweep; b: CliSweep };
    assert.equal(outB.model.name, compared.model);
    assert.equal(compared.ks.length, structure.examples.length + 1);
    // The same numbers up to float32 rounding of the batches (leave-one-out shares the CLI's cache, not B's here).
    const near = (x: number | null, y: number | null, what: string) => assert.ok(x !== null && y !== null && Math.abs(x - y) < 1e-5, `${what}: panel ${x} vs CLI ${y}`);
    let apart = 0;
    compared.ks.forEach((k, i) => {
      for (const out of [outB, outPair.b]) {
        assert.equal(k.k, out.ks[i].k);
        near(k.targetBits, out.ks[i].targetBits, `k=${k.k} B target bits`);
        for (const name of view.candidates) near(k.posterior[name], out.ks[i].posterior[name], `k=${k.k} B P(${name})`);
      }
      near(view.ks[i].targetBits, outPair.a.ks[i].targetBits, `k=${k.k} A target bits`);
      apart = Math.max(apart, Math.abs(k.targetBits! - view.ks[i].targetBits!));
    });
    assert.ok(apart > 1, `B's curve is not A's (largest difference ${apart} bits)`);

    // The line comparing them reads the last k of both, the target's posterior here.
    const last = outPair.a.ks[outPair.a.ks.length - 1];
    const lastB = outB.ks[outB.ks.length - 1];
    assert.equal(compared.verdict?.text, `At k = ${last.k}: A puts ${num(last.posterior.A)} on “A”, B ${num(lastB.posterior.A)}.`);
  });
});

describe('the line comparing two sweeps', () => {
  const side = (ks: SweepSide['ks'], extra: Partial<SweepSide> = {}): SweepSide => ({ target: 'yes', candidates: [{ name: 'yes', text: 'yes' }, { name: 'no', text: 'no' }], toleranceBits: 0.1, ks, ...extra });
  const k = (k: number, targetBits: number | null, yes: number, coverage: number | null) => ({ k, targetBits, posterior: { yes, no: 1 - yes }, coverage });

  it('reads the last k both sweeps have (B may still be streaming)', () => {
    const v = sweepPairVerdict(side([k(0, 1, 0.5, 0.9), k(1, 0.5, 0.8, 0.9), k(2, 0.3, 0.9, 0.9)]), side([k(0, 2, 0.3, 0.9), k(1, 1, 0.62, 0.9)]));
    assert.equal(v?.text, 'At k = 1: A puts 0.8 on “yes”, B 0.62.');
  });

  it('falls back to P(target) when the candidates hold almost nothing, and calls a difference within the tolerance none', () => {
    const low = (x: number) => k(3, x, 0.9, 1e-9);
    assert.equal(sweepPairVerdict(side([low(10)]), side([low(12)]))?.text, 'At k = 3: P(target) is 9.8e-4 under A, 2.4e-4 under B: B needs 2 more bits for it.');
    assert.match(sweepPairVerdict(side([low(10)]), side([low(10.05)]))!.text, /no measurable difference \(within ±0\.1 bits\)/);
    assert.equal(sweepPairVerdict(side([k(0, null, 0.5, null)], { candidates: [] }), side([k(0, null, 0.5, null)], { candidates: [] })), undefined);
    assert.equal(sweepPairVerdict(side([k(0, 1, 0.5, 0.9)]), side([])), undefined);
  });
});
