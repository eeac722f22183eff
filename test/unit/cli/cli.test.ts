/** The icl-lens CLI as a user runs it: exit codes, messages, JSON and terminal output. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { CliRunner } from '../../support/cliRunner';
import { craftGguf } from '../../support/craftedGguf';
import { modelFile, REPO_ROOT } from '../../support/fixtures';
import { reference } from '../../support/reference';

const runner = new CliRunner();
const tmp = runner.tmp;
after(() => runner.dispose());
const cli = (args: string[], env: Record<string, string> = {}) => runner.run(args, env);
const file = (name: string, content: string | Buffer) => runner.file(name, content);

const PROMPT = 'Input: the movie was great\r\nOutput: positive\r\n\r\nInput: café ☕ 日本\r\nOutput:';
/** Every command describes its model with the same keys. */
const MODEL_KEYS = ['contextSize', 'name', 'path', 'trainContextSize', 'vocabSize'];

describe('icl-lens heatmap', () => {
  const model = modelFile('tiny');

  it('prints one JSON object with the documented shape and exact numbers', async () => {
    const doc = file('prompt.txt', PROMPT);
    const r = cli(['heatmap', doc, '--model', model, '--json', '--top-k', '3', '--threads', '2']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out.model).sort(), MODEL_KEYS);
    assert.equal(out.model.vocabSize, 512);
    assert.equal(out.metric, 'entropy');
    assert.equal(out.text, PROMPT);
    assert.deepEqual(Object.keys(out.summary).sort(), ['meanEntropy', 'meanSurprisal', 'perplexity', 'tokens', 'unreadable']);
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

  it('computes surprisal only for --metric surprisal on the exact-map route: null, not NaN, where not computed', async () => {
    const doc = file('surprisal.txt', PROMPT);
    const r = cli(['heatmap', doc, '--model', model, '--json', '--metric', 'surprisal', '--scorer', 'exact-map', '--threads', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /NaN/);
    const out = JSON.parse(r.stdout);
    assert.equal(out.route.reading, 'surprisal');
    assert.equal(out.summary.meanEntropy, null);
    assert.ok(out.summary.perplexity > 1);
    assert.ok(out.next.entropy > 0, 'the distribution after the text is whole');
    const ref = await reference(model, PROMPT, 1);
    for (const t of out.tokens.slice(1)) {
      assert.equal(t.entropy, null);
      assert.equal(t.top.length, 1);
      assert.equal(t.top[0].id, ref.rows[t.index]!.topIds[0]);
      assert.ok(Math.abs(t.surprisal - ref.rows[t.index]!.surprisal) < 1e-4);
    }
    const table = cli(['heatmap', doc, '--model', model, '--metric', 'surprisal', '--scorer', 'exact-map', '--threads', '2']);
    assert.doesNotMatch(table.stdout, /NaN/);
    const summary = cli(['heatmap', doc, '--model', model, '--metric', 'surprisal', '--scorer', 'exact-map', '--color']);
    assert.match(summary.stdout, /mean entropy: —/);
    assert.match(summary.stdout, /note: Entropy, rank and alternatives not computed: .* --metric entropy computes them\./);
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
    // Piped: one tab-separated row per token with the same numbers as the JSON.
    const rows = plain.stdout.trimEnd().split('\n').map((l) => l.split('\t'));
    assert.deepEqual(rows[0], ['index', 'start', 'end', 'id', 'token', 'p', 'surprisal', 'entropy', 'rank']);
    const json = JSON.parse(cli(['heatmap', doc, '--model', model, '--json']).stdout);
    assert.equal(rows.length - 1, json.tokens.length);
    rows.slice(1).forEach((r, i) => {
      const t = json.tokens[i];
      assert.deepEqual(r.slice(0, 4).map(Number), [t.index, t.start, t.end, t.id]);
      if (t.surprisal !== null) assert.ok(Math.abs(Number(r[6]) - t.surprisal) <= 1e-5 * Math.max(1, t.surprisal));
    });
  });

  it('says when the model reads a text no better than uniform guessing, instead of colouring it', () => {
    const doc = file('prose.txt', 'The quick brown fox jumps over the lazy dog.\n');
    const json = JSON.parse(cli(['heatmap', doc, '--model', model, '--json']).stdout);
    const mean = json.summary.meanSurprisal;
    assert.ok(mean >= Math.log2(512), `the random model reads prose worse than chance (${mean} bits)`);
    assert.match(json.summary.unreadable, /cannot read this text.*among its 512 tokens \(9\.0 bits\).*Pick another model/);
    const text = cli(['heatmap', doc, '--model', model, '--no-color']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stderr, /^icl-lens: warning: .*cannot read this text/);
    assert.match(cli(['heatmap', doc, '--model', model]).stderr, /^icl-lens: warning: .*cannot read this text/, 'piped (TSV) too');
    assert.match(text.stdout, /WARNING: .*cannot read this text/);
    assert.doesNotMatch(text.stdout, /entropy \(bits, 8 levels\)/, 'no legend for colours that mean nothing');
    // The built-in model reads its own language: no warning.
    const own = JSON.parse(cli(['heatmap', file('coin.txt', 'flips: H H T H H H T H H H\n'), '--model', path.join(REPO_ROOT, 'models', 'icl-lens-windtunnel.gguf'), '--json']).stdout);
    assert.equal(own.summary.unreadable, null);
  });

  it('never creates a context past the model\'s training context; longer texts go in windows and say so', () => {
    const builtin = path.join(REPO_ROOT, 'models', 'icl-lens-windtunnel.gguf');
    const long = file('long-coin.txt', `flips:${' H T'.repeat(150)}\n`);
    const json = JSON.parse(cli(['heatmap', long, '--model', builtin, '--json']).stdout);
    assert.equal(json.model.trainContextSize, 512);
    assert.ok(json.model.contextSize <= 512, `context ${json.model.contextSize}`);
    assert.ok(json.route.window && json.route.window.size < 512);
    assert.match(cli(['heatmap', long, '--model', builtin, '--no-color']).stdout, /analysed in overlapping windows of \d+ tokens/);
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
    assert.deepEqual(Object.keys(out.model).sort(), MODEL_KEYS);
    assert.equal(out.pass, out.meanKl <= 0.1);
    assert.match(out.verdict, new RegExp(`^${out.pass ? 'PASS' : 'FAIL'} \\(coin\\).*arXiv 2512\\.22471`));
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
    assert.match(r.stdout, /^(PASS|FAIL) \(bijection\): mean KL.*(≤|>) the 0\.1-bit pass line.*0\.007 bits on bijection elimination: Misra et al\., arXiv 2512\.22471/m);
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
