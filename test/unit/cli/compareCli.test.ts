/** `icl-lens compare` and `icl-lens sweep --model A --model B` as a user runs them: JSON shape, text, exit codes. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { CliRunner } from '../../support/cliRunner';
import { modelFile, REPO_ROOT } from '../../support/fixtures';

const runner = new CliRunner();
after(() => runner.dispose());
const SENTIMENT = path.join(REPO_ROOT, 'demo', 'sentiment.prompt');

describe('icl-lens compare', () => {
  const tiny = modelFile('tiny');
  const alt = modelFile('tiny-alt');

  it('prints KL per token and the summary as JSON for models that share a vocabulary', () => {
    const r = runner.run(['compare', SENTIMENT, '--model', tiny, '--model', alt, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    for (const key of ['modelA', 'modelB', 'mode', 'vocabulary', 'memory', 'summary', 'cells', 'positions', 'spans', 'a', 'b']) assert.ok(key in out, key);
    assert.equal(out.mode, 'kl');
    assert.match(out.memory, /one after the other/);
    assert.equal(out.cells.length, out.positions.length);
    for (const key of ['index', 'klBits', 'pA', 'pB', 'topA', 'topB', 'sameTop', 'deltaP', 'start', 'end', 'text']) assert.ok(key in out.positions[0], key);
    for (const key of ['mean', 'median', 'p99', 'max']) assert.ok(key in out.summary.kl.klBits, key);
    assert.ok(out.summary.kl.sameTop >= 0 && out.summary.kl.sameTop <= 1);
    assert.ok('rms' in out.summary.kl.deltaP);
  });

  it('says in text which mode it used and prints the summary lines', () => {
    const r = runner.run(['compare', SENTIMENT, '--model', tiny, '--model', modelFile('bpe-starcoder')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /do not share a vocabulary/);
    assert.match(r.stdout, /aligned spans: A needs/);
    assert.match(r.stdout, /Loaded one after the other/);
  });

  it('exits 2 on usage errors, 3 for a missing model, 4 for a missing file', () => {
    assert.equal(runner.run(['compare', SENTIMENT]).code, 2);
    assert.equal(runner.run(['compare', SENTIMENT, '--model', tiny, '--model', alt, '--model', alt]).code, 2);
    assert.equal(runner.run(['compare', SENTIMENT, '--model', tiny, '--model', path.join(runner.tmp, 'missing.gguf')]).code, 3);
    assert.equal(runner.run(['compare', path.join(runner.tmp, 'missing.prompt'), '--model', tiny, '--model', alt]).code, 4);
  });
});

describe('icl-lens sweep with two models', () => {
  it('runs the sweep under both and prints them side by side, or both as JSON', () => {
    const tiny = modelFile('tiny');
    const alt = modelFile('tiny-alt');
    const text = runner.run(['sweep', SENTIMENT, '--model', tiny, '--model', alt, '--no-loo']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /target bits A\s+target bits B/);
    const json = runner.run(['sweep', SENTIMENT, '--model', tiny, '--model', alt, '--no-loo', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const out = JSON.parse(json.stdout);
    assert.equal(out.a.ks.length, out.b.ks.length);
    assert.notEqual(out.a.model.path, out.b.model.path);
    assert.equal(runner.run(['sweep', SENTIMENT, '--model', tiny, '--model', alt, '--expect', 'targetBits<=3']).code, 2);
  });
});
