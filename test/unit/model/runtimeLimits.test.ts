/** Bounds on one analysis: an input over the token bound is refused before any evaluation. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RuntimeError } from '../../../src/model/runtimeError';
import { MAX_ANALYSIS_TOKENS } from '../../../src/model/worker/analysis';
import { loadSpec, modelFile, runtime } from '../../support/fixtures';

describe('the token bound', () => {
  it(`refuses an analysis over ${MAX_ANALYSIS_TOKENS} tokens with an input error within seconds`, async () => {
    const client = runtime(loadSpec(modelFile('tiny')));
    try {
      await client.ensureLoaded();
      const started = Date.now();
      await assert.rejects(client.analyze({ text: 'x7Q '.repeat(250_000), topK: 10 }), (err: unknown) => {
        assert.ok(err instanceof RuntimeError);
        assert.equal(err.code, 'input', err.message);
        assert.match(err.message, /has [\d,]+ tokens, over the limit of 32,768 per analysis\. Analyse a smaller part or split the file\./);
        return true;
      });
      assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
      // The runtime is unharmed.
      assert.ok((await client.analyze({ text: 'after the refusal', topK: 3 })).tokens.length > 0);
    } finally {
      await client.dispose();
    }
  });
});
