/** The icl-lens CLI as a user runs it: exit codes, messages, JSON and terminal output. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { CliRunner } from '../../support/cliRunner';
import { craftGguf } from '../../support/craftedGguf';
import { modelFile } from '../../support/fixtures';
import { reference } from '../../support/reference';

const runner = new CliRunner();
const tmp = runner.tmp;
after(() => runner.dispose());
const cli = (args: string[], env: Record<string, string> = {}) => runner.run(args, env);
const file = (name: string, content: string | Buffer) => runner.file(name, content);

const PROMPT = 'Input: the movie was great\r\nOutput: positive\r\n\r\nInput: café ☕ 日本\r\nOutput:';

describe('icl-lens heatmap', () => {
  const model = modelFile('tiny');

  it('prints one JSON object with the documented shape and exact numbers', async () => {
    const doc = file('prompt.txt', PROMPT);
    const r = cli(['heatmap', doc, '--model', model, '--json', '--top-k', '3', '--threads', '2']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out.model).sort(), ['contextSize', 'name', 'path', 'vocabSize']);
    assert.equal(out.model.vocabSize, 512);
    assert.equal(out.metric, 'entropy');
    assert.equal(out.text, PROMPT);
    assert.deepEqual(Object.keys(out.summary).sort(), ['meanEntropy', 'meanSurprisal', 'perplexity', 'tokens']);
    assert.ok(Math.abs(out.summary.perplexity - 2 ** out.summary.meanSurprisal) < 1e-9);
    assert.equal(out.tokens.map((t: { start: number; end: number }) => PROMPT.slice(t.start, t.end)).join(''), PROMPT, 'spans tile the text');
    assert.equal(out.tokens.at(-1).end, PROMPT.length);
    const ref = await reference(model, PROMPT, 3);
    for (const t of out.tokens) {
      assert.deepEqual(Object.keys(t).sort(), ['end', 'entropy', 'id', 'index', 'p', 'rank', 'start', 'surprisal', 'text', 'top']);
      assert.equal(t.top.length, 3);
      assert.ok(Math.abs(t.entropy - ref.rows[t.index]!.entropy) < 1e-3);
      assert.ok(Math.abs(t.surprisal - ref.rows[t.index]!.surprisal) < 1e-3);
    }
  });

  it('prints coloured text, a legend and a summary', () => {
    const doc = file('colour.txt', 'Once upon a time\n');
    const r = cli(['heatmap', doc, '--model', model, '--color', '--metric', 'surprisal']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\x1b\[48;5;\d+m/);
    assert.match(r.stdout, /surprisal \(bits, 8 levels\)/);
    assert.match(r.stdout, /perplexity: \d/);
    const plain = cli(['heatmap', doc, '--model', model]);
    assert.doesNotMatch(plain.stdout, /\x1b\[/, 'no colour when stdout is not a terminal');
    assert.match(plain.stdout, /^Once upon a time\n/);
  });

  it('handles an empty file', () => {
    const r = cli(['heatmap', file('empty.txt', ''), '--model', model, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.tokens.length, 0);
    assert.equal(out.summary.perplexity, null);
  });

  it('windtunnel --json prints the documented report', () => {
    const r = cli(['windtunnel', '--task', 'coin', '--model', model, '--sequences', '3', '--length', '8', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.task, 'coin');
    assert.equal(out.sequences, 3);
    assert.equal(out.seed, 1);
    assert.equal(out.positions.length, 8);
    for (const p of out.positions) assert.deepEqual(Object.keys(p).sort(), ['analyticEntropy', 'entropyError', 'kl', 'modelEntropy', 'outsideMass', 't']);
    const mean = out.positions.reduce((a: number, p: { kl: number }) => a + p.kl, 0) / out.positions.length;
    assert.ok(Math.abs(out.meanKl - mean) < 1e-9);
    assert.ok(Math.abs(out.positions[0].analyticEntropy - 1) < 1e-12, 'the first flip is 50/50');
  });

  it('windtunnel prints a table with the reference lines', () => {
    const r = cli(['windtunnel', '--task', 'bijection', '--size', '4', '--model', model, '--sequences', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /mean KL\(analytic ‖ model\): [\d.]+ bits \(pass line 0\.1\)/);
  });

  const failures: Array<[string, () => string[], number, RegExp]> = [
    ['windtunnel without a task is a usage error', () => ['windtunnel', '--model', 'm'], 2, /needs --task/],
    ['windtunnel with a bad alpha is a usage error', () => ['windtunnel', '--task', 'labels', '--alpha', '0.3', '--model', 'm'], 2, /--alpha/],
    ['no arguments shows help', () => [], 0, /Usage: icl-lens heatmap/],
    ['an unknown option is a usage error', () => ['heatmap', 'x', '--frobnicate'], 2, /unknown option --frobnicate/],
    ['a bad --top-k is a usage error', () => ['heatmap', 'x', '--model', 'm', '--top-k', '99'], 2, /between 1 and 50/],
    ['a missing model is a model error', () => ['heatmap', file('a.txt', 'hi'), '--model', path.join(tmp, 'missing.gguf')], 3, /Model file not found/],
    ['a non-GGUF model is a model error', () => ['heatmap', file('b.txt', 'hi'), '--model', file('fake.gguf', 'not a model, just a text file that is long enough')], 3, /not a GGUF file/],
    ['a missing input is an input error', () => ['heatmap', path.join(tmp, 'nope.txt'), '--model', modelFile('tiny')], 4, /cannot read .*ENOENT/],
    ['a directory input is an input error', () => ['heatmap', tmp, '--model', modelFile('tiny')], 4, /is a directory/],
    ['a binary input is an input error', () => ['heatmap', file('bin.dat', Buffer.from([0x7f, 0x45, 0x00, 0x01])), '--model', modelFile('tiny')], 4, /looks binary/],
  ];
  for (const [name, args, code, pattern] of failures) {
    it(name, () => {
      const r = cli(args());
      assert.equal(r.code, code, r.stderr);
      assert.match(code === 0 ? r.stdout : r.stderr, pattern);
      if (code !== 0) assert.equal(r.stderr.trim().split('\n')[0].startsWith('icl-lens: '), true);
    });
  }

  it('a crafted GGUF (a tensor with 2³² − 1 dimensions) is a model error within seconds', () => {
    const t0 = Date.now();
    const r = cli(['heatmap', file('c.txt', 'hi'), '--model', file('crafted.gguf', craftGguf('nDims'))]);
    const seconds = (Date.now() - t0) / 1000;
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /crafted\.gguf is not a usable GGUF model: tensor 0 \("token_embd\.weight"\) declares 4294967295 dimensions \(at most 4\)/);
    assert.ok(seconds < 10, `${seconds} s`);
  });
});
