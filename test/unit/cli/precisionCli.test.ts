/** `--precision exact|fast` as a user runs it: the JSON says which ran, the numbers move by what the docs say, a bad value is a usage error. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { FAST_PRECISION_BITS } from '../../../src/core/precision';
import { CliRunner } from '../../support/cliRunner';
import { modelFile, REPO_ROOT } from '../../support/fixtures';

const runner = new CliRunner();
after(() => runner.dispose());
const SENTIMENT = path.join(REPO_ROOT, 'demo', 'sentiment.prompt');
const PROMPT = 'Input: the movie was great\nOutput: positive\n\nInput: the plot made no sense\nOutput: negative\n\nInput: I would watch it again\nOutput:';

interface HeatmapOut {
  precision: string;
  route: { precision: string };
  tokens: Array<{ id: number; entropy: number | null; surprisal: number | null }>;
}

describe('icl-lens --precision', () => {
  const model = modelFile('tiny');

  it('heatmap --precision fast says fast in its JSON, and its numbers are within the documented bound of exact', () => {
    const doc = runner.file('precision.txt', PROMPT);
    const run = (extra: string[]): HeatmapOut => {
      const r = runner.run(['heatmap', doc, '--model', model, '--json', '--threads', '2', ...extra]);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout);
    };
    const exact = run([]);
    const fast = run(['--precision', 'fast']);
    assert.deepEqual([exact.precision, exact.route.precision], ['exact', 'exact']);
    assert.deepEqual([fast.precision, fast.route.precision], ['fast', 'fast']);
    assert.deepEqual(fast.tokens.map((t) => t.id), exact.tokens.map((t) => t.id));
    let max = 0;
    fast.tokens.forEach((t, i) => {
      const e = exact.tokens[i];
      if (t.surprisal === null) return;
      max = Math.max(max, Math.abs(t.surprisal - e.surprisal!), Math.abs(t.entropy! - e.entropy!));
    });
    assert.ok(max > 0, 'fast evaluation moved the numbers: it ran with flash attention and an F16 cache');
    assert.ok(max <= FAST_PRECISION_BITS, `${max} bits`);
  });

  it('heatmap --precision fast says so under the coloured text', () => {
    const doc = runner.file('precision-colour.txt', 'Once upon a time\n');
    const r = runner.run(['heatmap', doc, '--model', model, '--color', '--precision', 'fast']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`note: fast evaluation \\(flash attention, F16 cache\\): numbers within ≈ ${FAST_PRECISION_BITS} bits of exact`));
    assert.doesNotMatch(runner.run(['heatmap', doc, '--model', model, '--color']).stdout, /fast evaluation/);
  });

  it('sweep and probe --precision fast say fast in their JSON', () => {
    for (const args of [['sweep', SENTIMENT, '--no-loo'], ['probe', 'calibrate', SENTIMENT]]) {
      const r = runner.run([...args, '--model', model, '--json', '--precision', 'fast']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).precision, 'fast', args[0]);
    }
  });

  it('refuses a value it does not know with exit code 2 and a hint', () => {
    const doc = runner.file('bad-precision.txt', PROMPT);
    for (const args of [['heatmap', doc], ['sweep', SENTIMENT], ['probe', 'loo', SENTIMENT], ['windtunnel', '--task', 'coin'], ['compare', doc, '--model', model]]) {
      const r = runner.run([...args, '--precision', 'turbo']);
      assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
      assert.match(r.stderr, /--precision must be exact or fast, not "turbo"/, args[0]);
      assert.match(r.stderr, /run icl-lens --help/, args[0]);
    }
  });
});
