/** Settings, CLI arguments and input checks. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCliArgs, UsageError } from '../../../src/core/cliArgs';
import { checkInput, utf8Length } from '../../../src/core/inputCheck';
import { DEFAULT_SETTINGS, parseSettings } from '../../../src/core/settings';

describe('parseSettings', () => {
  it('uses defaults for unset values', () => {
    assert.deepEqual(parseSettings(() => undefined), DEFAULT_SETTINGS);
  });
  it('clamps numbers and rejects unknown enum values', () => {
    const raw: Record<string, unknown> = { 'hover.topK': 500, 'model.threads': -3, 'heatmap.metric': 'loudness', 'heatmap.scaleMaxBits': 0, 'autoAnalyze': ['*.p', 3, ''], 'model.path': '  /m.gguf ' };
    const s = parseSettings((k) => raw[k]);
    assert.equal(s.hoverTopK, 50);
    assert.equal(s.threads, 0);
    assert.equal(s.metric, 'entropy');
    assert.equal(s.scaleMaxBits, 1);
    assert.deepEqual(s.autoAnalyze, ['*.p']);
    assert.equal(s.modelPath, '/m.gguf');
  });
  it('reads the evaluation precision: exact unless fast', () => {
    assert.equal(parseSettings(() => undefined).precision, 'exact');
    assert.equal(parseSettings((k) => (k === 'evaluation.precision' ? 'fast' : undefined)).precision, 'fast');
    assert.equal(parseSettings((k) => (k === 'evaluation.precision' ? 'FAST' : undefined)).precision, 'exact');
  });
  it('reads the tolerance under its new name, and a value set under the old one', () => {
    assert.equal(parseSettings((k) => ({ 'fewShot.toleranceBits': 0.5 } as Record<string, unknown>)[k]).fewShot.toleranceBits, 0.5);
    // VS Code reports the deprecated key's declared default, null, when it is unset.
    assert.equal(parseSettings((k) => ({ 'fewShot.toleranceBits': 0.5, 'fewShot.exchangeabilityToleranceBits': null } as Record<string, unknown>)[k]).fewShot.toleranceBits, 0.5);
    assert.equal(parseSettings((k) => ({ 'fewShot.toleranceBits': 0.1, 'fewShot.exchangeabilityToleranceBits': 0.3 } as Record<string, unknown>)[k]).fewShot.toleranceBits, 0.3);
  });
});

describe('parseCliArgs', () => {
  it('parses a full heatmap command', () => {
    const a = parseCliArgs(['heatmap', 'f.txt', '--model', 'm.gguf', '--metric', 'surprisal', '--top-k', '3', '--threads', '2', '--json']);
    assert.deepEqual(a, { command: 'heatmap', file: 'f.txt', model: 'm.gguf', metric: 'surprisal', topK: 3, threads: 2, contextSize: 4096, json: true, color: undefined, scorer: 'auto', precision: 'exact', against: undefined });
  });
  it('parses --against for heatmap and sweep', () => {
    assert.equal((parseCliArgs(['heatmap', 'f.txt', '--against', 'HEAD~1']) as { against?: string }).against, 'HEAD~1');
    assert.equal((parseCliArgs(['sweep', 'f.txt', '--against', 'old.txt']) as { against?: string }).against, 'old.txt');
    assert.throws(() => parseCliArgs(['heatmap', 'f.txt', '--against']), /--against needs a value/);
  });
  it('parses --template for heatmap, sweep and probe, and only known templates', () => {
    assert.equal((parseCliArgs(['heatmap', 'f.chat.json', '--template', 'chatML']) as { template?: string }).template, 'chatML');
    assert.equal((parseCliArgs(['sweep', 'f.chat.json', '--template', 'raw']) as { template?: string }).template, 'raw');
    assert.equal((parseCliArgs(['probe', 'loo', 'f.chat.json', '--template', 'auto']) as { template?: string }).template, 'auto');
    assert.equal('template' in parseCliArgs(['sweep', 'f.chat.json']), false, 'absent: the runtime uses auto');
    assert.throws(() => parseCliArgs(['sweep', 'f', '--template', 'CHATML']), /--template must be auto, raw or one of .* \(did you mean chatML\?\)/);
    assert.throws(() => parseCliArgs(['heatmap', 'f', '--template']), /--template needs a value/);
  });
  it('parses --precision for every command that runs a model', () => {
    for (const argv of [['heatmap', 'f'], ['sweep', 'f'], ['probe', 'loo', 'f'], ['windtunnel', '--task', 'coin'], ['compare', 'f', '--model', 'm']]) {
      assert.equal((parseCliArgs(argv) as { precision?: string }).precision, 'exact', `${argv[0]} default`);
      assert.equal((parseCliArgs([...argv, '--precision', 'fast']) as { precision?: string }).precision, 'fast', argv[0]);
      assert.throws(() => parseCliArgs([...argv, '--precision', 'Fast']), (e: unknown) => e instanceof UsageError && /--precision must be exact or fast, not "Fast"/.test(e.message), argv[0]);
      assert.throws(() => parseCliArgs([...argv, '--precision']), /--precision needs a value/, argv[0]);
    }
  });
  it('takes the model from the environment', () => {
    const a = parseCliArgs(['heatmap', 'f'], { ICL_LENS_MODEL: 'env.gguf' });
    assert.equal(a.command === 'heatmap' && a.model, 'env.gguf');
  });
  for (const [argv, pattern] of [
    [['sweeps'], /unknown command/], [['sweep'], /sweep needs a file/], [['probe', 'order'], /probe takes one file/], [['sweep', 'a', '--permutations'], /--permutations needs a value/], [['heatmap'], /needs a file/], [['heatmap', 'a', 'b', '--model', 'm'], /one file/],
    [['heatmap', 'f', '--model'], /needs a value/], [['heatmap', 'f', '--model', 'm', '--top-k', '0'], /between 1 and 50/],
    [['heatmap', 'f', '--model', 'm', '--top-k', 'x'], /whole number/], [['heatmap', 'f', '--model', 'm', '--metric', 'x'], /entropy or surprisal/],
    [['heatmap', 'f', '--bogus'], /unknown option/],
  ] as const) {
    it(`rejects ${argv.join(' ')}`, () => {
      assert.throws(() => parseCliArgs(argv), (e: unknown) => e instanceof UsageError && pattern.test(e.message));
    });
  }
  it('shows help', () => {
    assert.deepEqual(parseCliArgs([]), { command: 'help' });
    assert.deepEqual(parseCliArgs(['heatmap', '--help']), { command: 'help' });
  });
});

describe('checkInput', () => {
  it('measures UTF-8 like Buffer does', () => {
    for (const s of ['', 'abc', 'é', '日本', '👍🏽', '\ud800 lone', 'a\u0000b']) assert.equal(utf8Length(s), Buffer.byteLength(s, 'utf8'), JSON.stringify(s));
  });
  it('flags binary and oversized text', () => {
    assert.deepEqual(checkInput('a\u0000b', 100), { kind: 'binary' });
    assert.deepEqual(checkInput('abcdef', 3), { kind: 'too-large', bytes: 6, limit: 3 });
    assert.equal(checkInput('fine', 100), null);
  });
});
