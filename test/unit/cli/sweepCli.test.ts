/** `icl-lens sweep` and `icl-lens probe` as a user runs them: JSON shape, exact numbers, --expect exit codes. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseFewShot } from '../../../src/core/fewShot/fewShotParser';
import { prefixK } from '../../../src/core/fewShot/promptText';
import { CliRunner } from '../../support/cliRunner';
import { modelFile, REPO_ROOT } from '../../support/fixtures';
import { reference } from '../../support/reference';

const runner = new CliRunner();
after(() => runner.dispose());
const SENTIMENT = path.join(REPO_ROOT, 'demo', 'sentiment.prompt');

describe('icl-lens sweep', () => {
  const model = modelFile('tiny');

  it('prints the documented JSON, with target bits equal to a fresh evaluation', async () => {
    const r = runner.run(['sweep', SENTIMENT, '--model', model, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    for (const key of ['model', 'structure', 'ks', 'examples', 'tokensEvaluated', 'tokensMinimum']) assert.ok(key in out, key);
    assert.deepEqual(Object.keys(out.model).sort(), ['contextSize', 'name', 'path', 'trainContextSize', 'vocabSize']);
    assert.deepEqual(Object.keys(out.structure.examples[0]).sort(), ['end', 'inputEnd', 'inputStart', 'outputEnd', 'outputStart', 'start']);
    assert.deepEqual(Object.keys(out.structure.query).sort(), ['appendNewline', 'inputEnd', 'inputStart', 'outputEnd', 'outputStart', 'start']);
    assert.ok('header' in out.structure);
    for (const key of ['lengthNormalized', 'toleranceBits', 'verdicts', 'formatClass', 'reference', 'retokenizedBoundary']) assert.ok(key in out, key);
    assert.equal(out.ks.length, 5);
    for (const k of out.ks) for (const key of ['k', 'targetBits', 'targetTokenBits', 'posterior', 'coverage', 'coverageBits', 'mergedContextTokens', 'formatMass', 'answerEntropy']) assert.ok(key in k, key);
    for (const e of out.examples) for (const key of ['index', 'prequentialBits', 'looDeltaBits', 'looEffect']) assert.ok(key in e, key);
    // Another tool can rebuild every scored text from the offsets: prefix_k is the header, k examples and the query up to its answer.
    const textForRebuild = fs.readFileSync(SENTIMENT, 'utf8');
    const rebuilt = textForRebuild.slice(out.structure.header.start, out.structure.header.end)
      + out.structure.examples.map((e: { start: number; end: number }) => textForRebuild.slice(e.start, e.end)).join('')
      + textForRebuild.slice(out.structure.query.start, out.structure.query.outputStart) + (out.structure.query.appendNewline ? '\n' : '');
    assert.equal(rebuilt, prefixK(textForRebuild, parseFewShot(textForRebuild).structure!, 4));
    // Coverage is the candidates' total probability: P(target) of a target that is a candidate is at most that.
    for (const k of out.ks) assert.ok(2 ** -k.targetBits <= k.coverage * (1 + 1e-9), `k=${k.k}: P(target) ${2 ** -k.targetBits} vs coverage ${k.coverage}`);
    assert.deepEqual(Object.keys(out.ks[0].posterior), ['positive', 'negative']);
    assert.ok(out.tokensEvaluated <= 1.1 * out.tokensMinimum);
    const text = fs.readFileSync(SENTIMENT, 'utf8');
    const s = parseFewShot(text).structure!;
    for (const k of [0, 4]) {
      const context = prefixK(text, s, k);
      const ref = await reference(model, context + s.target!, 1);
      const ctx = await reference(model, context, 1);
      let bits = 0;
      for (let j = ctx.tokens.length; j < ref.tokens.length; j++) bits -= ref.rows[j]!.lnp[ref.tokens[j]] / Math.LN2;
      assert.ok(Math.abs(out.ks[k].targetBits - bits) < 1e-4, `k=${k}: ${out.ks[k].targetBits} vs ${bits}`);
    }
  });

  it('--expect passes with exit 0 and fails with exit 1, naming the assertion', () => {
    const ok = runner.run(['sweep', SENTIMENT, '--model', model, '--expect', 'posterior.positive>=0@k=4', '--expect', 'targetBits>0']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /ok {3}posterior\.positive>=0@k=4: met/);
    const bad = runner.run(['sweep', SENTIMENT, '--model', model, '--expect', 'posterior.positive>=1.5@k=4', '--json']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /expectation not met: posterior\.positive>=1\.5@k=4: NOT met \(actual/);
    assert.equal(JSON.parse(bad.stdout).expectations[0].ok, false);
    // Each unmet expectation is printed once, stdout and stderr together.
    const text = runner.run(['sweep', SENTIMENT, '--model', model, '--expect', 'posterior.positive>=1.5@k=4']);
    assert.equal(text.code, 1);
    assert.equal((text.stdout + text.stderr).split('posterior.positive>=1.5@k=4: NOT met').length - 1, 1);
    assert.match(text.stderr, /1 of 1 expectation not met/);
    const unknown = runner.run(['sweep', SENTIMENT, '--model', model, '--expect', 'posterior.neutral>=0.1']);
    assert.equal(unknown.code, 1, 'a candidate the prompt lacks fails the expectation');
    assert.match(unknown.stdout, /FAIL posterior\.neutral>=0\.1: no candidate "neutral"/);
  });

  it('prints the table with the reuse ratio', () => {
    const r = runner.run(['sweep', SENTIMENT, '--model', model, '--no-loo']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /k {2}target bits {2}P\(positive\) {2}P\(negative\)/);
    assert.match(r.stdout, /tokens evaluated: \d+ \(minimum \d+, ratio 1\.0\d\d\)/);
  });

  const errors: Array<[string, () => string[], number, RegExp]> = [
    ['an unreadable --expect is a usage error', () => ['sweep', SENTIMENT, '--expect', 'posterior.dsl'], 2, /cannot read --expect/],
    ['a prompt without examples is an input error', () => ['sweep', runner.file('prose.txt', 'Just prose.'), '--model', modelFile('tiny')], 4, /no few-shot structure/],
    ['a query with no example before it is an input error', () => ['sweep', runner.file('query-only.prompt', '---\ninput: "Q:"\noutput: "A:"\n---\nQ: what is this?\nA:'), '--model', modelFile('tiny')], 4, /no few-shot examples before the query, so there is nothing to sweep/],
    ['malformed front matter is an input error with its line', () => ['sweep', runner.file('fm.prompt', '---\ntarget: x\ncolour: red\n---\nQ: a\nA: 1\nQ: b\nA:'), '--model', modelFile('tiny')], 4, /fm\.prompt:3: front matter: Unknown key "colour"/],
    ['an unknown probe is a usage error', () => ['probe', 'vibes', SENTIMENT], 2, /probe needs one of loo, order, calibrate, random-labels/],
    // 40k Q:/A: pairs: refused at the first batch, before any of it is evaluated (it used to run out of memory).
    ['a sweep longer than the context is an input error at once', () => ['sweep', runner.file('huge.prompt', `${Array.from({ length: 40_000 }, (_, i) => `Q: question ${i}\nA: answer ${i}\n\n`).join('')}Q: last\nA:`)], 4, /A few-shot prompt has \d+ tokens with its answer, more than the context allows \(512\)/],
    ['a probe longer than the context is an input error at once', () => ['probe', 'order', runner.file('huge-probe.prompt', `${'---\ninput: "Q:"\n---\n'.repeat(5000)}`)], 4, /A few-shot prompt has \d+ tokens with its answer, more than the context allows/],
    ['calibration without candidates is an input error', () => ['probe', 'calibrate', runner.file('nocand.prompt', 'Q: a\nA: 1\nQ: b\nA: 2\nQ: c\nA:'), '--model', modelFile('tiny')], 4, /needs at least two candidates/],
  ];
  for (const [name, args, code, message] of errors) {
    it(name, () => {
      const r = runner.run(args());
      assert.equal(r.code, code, r.stderr);
      assert.match(r.stderr, message);
    });
  }
});

describe('icl-lens probe', () => {
  const model = modelFile('tiny');

  it('order: the written order first, distinct seeded permutations, a verdict that follows the spread', () => {
    const r = runner.run(['probe', 'order', SENTIMENT, '--model', model, '--json', '--permutations', '6']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.orders.length, 6);
    assert.deepEqual(out.orders[0].order, [1, 2, 3, 4]);
    assert.equal(new Set(out.orders.map((o: { order: number[] }) => o.order.join())).size, 6);
    assert.equal(out.exchangeable, out.targetBitsStd <= out.toleranceBits);
    const bits = out.orders.map((o: { targetBits: number }) => o.targetBits);
    assert.deepEqual(out.best, out.orders[bits.indexOf(Math.min(...bits))].order);
  });

  it('calibrate and random-labels report raw, bias, calibrated and the label effect', () => {
    const c = JSON.parse(runner.run(['probe', 'calibrate', SENTIMENT, '--model', model, '--json']).stdout);
    const expected = c.raw.positive / c.bias.positive / (c.raw.positive / c.bias.positive + c.raw.negative / c.bias.negative);
    assert.ok(Math.abs(c.calibrated.positive - expected) < 1e-12);
    const rl = JSON.parse(runner.run(['probe', 'random-labels', SENTIMENT, '--model', model, '--json', '--shuffles', '3']).stdout);
    assert.equal(rl.shuffled.length, 3);
    const mean = rl.shuffled.reduce((a: number, s: { targetBits: number }) => a + s.targetBits, 0) / 3;
    assert.ok(Math.abs(rl.labelEffectBits - (mean - rl.trueLabels.targetBits)) < 1e-9);
  });
});
