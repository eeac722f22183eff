/** The CLI on inputs past the runtime's bounds: a clear input error, fast. */
import * as assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CliRunner } from '../../support/cliRunner';
import { modelFile } from '../../support/fixtures';

const runner = new CliRunner();
after(() => runner.dispose());

describe('icl-lens heatmap past the token bound', () => {
  it('a 1 MB single line exits 4 within seconds with the token count and the limit', () => {
    const doc = runner.file('one-line.txt', 'The quick brown fox jumps over the lazy dog, 12345. '.repeat(20_000).slice(0, 1_000_000));
    const started = Date.now();
    const r = runner.run(['heatmap', doc, '--model', modelFile('tiny'), '--json', '--top-k', '50', '--threads', '2']);
    const ms = Date.now() - started;
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /^icl-lens: The text has [\d,]+ tokens, over the limit of 32,768 per analysis\. Analyse a smaller part or split the file\./);
    assert.equal(r.stdout, '');
    assert.ok(ms < 15_000, `took ${ms} ms`);
  });
});
