/**
 * Several requests on one runtime: a long analysis steps aside between chunks for
 * newer requests and still gives the numbers of a fresh pass; each request has its
 * own watchdog, so one that waits is never taken for a hang and a hang is still
 * found.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Analysis } from '../../../src/core/analysis';
import { silentLogger } from '../../../src/core/logger';
import { RuntimeClient } from '../../../src/model/runtimeClient';
import { RuntimeError } from '../../../src/model/runtimeError';
import { evaluationGeometry } from '../../../src/model/worker/evaluationGeometry';
import { loadSpec, modelFile, runtime } from '../../support/fixtures';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'icl-lens-scheduling-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const PROMPT = Array.from({ length: 12 }, (_, i) => `Input: the movie number ${i} was ${i % 2 ? 'great' : 'bad'}\nOutput: ${i % 2 ? 'positive' : 'negative'}\n`).join('\n');

/** Bit-identical numbers, token for token. */
function assertIdentical(actual: Analysis, expected: Analysis): void {
  assert.equal(actual.tokens.length, expected.tokens.length);
  actual.tokens.forEach((t, i) => {
    const e = expected.tokens[i];
    assert.deepEqual([t.id, t.start, t.end, t.surprisal, t.entropy, t.rank, t.top], [e.id, e.start, e.end, e.surprisal, e.entropy, e.rank, e.top], `token ${i}`);
  });
  assert.deepEqual(actual.next, expected.next);
}

describe('a long analysis and newer requests', () => {
  it('lets a short request issued mid-analysis finish first, and keeps its own numbers exact', async () => {
    const model = modelFile('tiny');
    const client = runtime(loadSpec(model));
    const fresh = runtime(loadSpec(model));
    try {
      await client.ensureLoaded();
      const order: string[] = [];
      let short: Promise<Analysis> | undefined;
      const long = PROMPT.repeat(4);
      const pending = client.analyze({ text: long, topK: 5 }, {
        // Issued once the long one is under way (the tiny model's 512-token context makes it windowed).
        onProgress: () => {
          short ??= client.analyze({ text: 'Input: a short other document\nOutput:', topK: 5 }).then((a) => { order.push('short'); return a; });
        },
      }).then((a) => { order.push('long'); return a; });
      const [longResult] = await Promise.all([pending, pending.then(() => short)]);
      assert.ok(short, 'the long analysis reported progress');
      assert.deepEqual(order, ['short', 'long']);
      assert.ok(longResult.route.window, 'the long analysis was windowed');
      assertIdentical(longResult, await fresh.analyze({ text: long, topK: 5 }));
      assertIdentical((await short)!, await fresh.analyze({ text: 'Input: a short other document\nOutput:', topK: 5 }));
    } finally {
      await Promise.all([client.dispose(), fresh.dispose()]);
    }
  });

  it('resumes mid-window with the numbers of a fresh pass', async () => {
    // Windows of several batches: a request sent at the fourth batch of the second window
    // reaches the worker a batch or so later, so the long analysis steps aside inside that
    // window, before its end.
    const model = modelFile('tiny-1k');
    const client = runtime(loadSpec(model));
    const fresh = runtime(loadSpec(model));
    try {
      await client.ensureLoaded();
      const long = PROMPT.repeat(12);
      const expected = await fresh.analyze({ text: long, topK: 5 });
      assert.ok(expected.route.window && expected.tokens.length > 2 * expected.route.window.size, 'at least three windows');
      const { batch } = evaluationGeometry(undefined);
      const perWindow = Math.ceil(expected.route.window.size / batch);
      assert.ok(perWindow >= 6, `${perWindow} batches per window`);
      let events = 0;
      let short: Promise<unknown> | undefined;
      const result = await client.analyze({ text: long, topK: 5 }, {
        onProgress: (_done, _total, phase) => {
          if (phase !== 'analysing (windowed)') return;
          // Window 1: a batch event per batch and one for its end; then window 2's batches.
          if (++events === perWindow + 1 + 4) short = client.analyze({ text: 'Input: another document', topK: 5 });
        },
      });
      await short;
      assertIdentical(result, expected);
      // The resume re-evaluated BOS and the window's first batches on top of a fresh pass's work.
      assert.ok(result.route.tokensEvaluated > expected.route.tokensEvaluated + 4 * batch, `${result.route.tokensEvaluated} vs ${expected.route.tokensEvaluated}`);
    } finally {
      await Promise.all([client.dispose(), fresh.dispose()]);
    }
  });

  it('requests sent together finish newest first and each equals a fresh analysis', async () => {
    const model = modelFile('tiny');
    const client = runtime(loadSpec(model));
    const fresh = runtime(loadSpec(model));
    try {
      await client.ensureLoaded();
      const texts = [PROMPT, PROMPT.slice(300), 'a third, short one'];
      const order: number[] = [];
      const results = await Promise.all(texts.map((text, i) => client.analyze({ text, topK: 4 }).then((a) => { order.push(i); return a; })));
      assert.equal(order.at(-1), 0, `completion order ${order}`);
      for (const [i, text] of texts.entries()) assertIdentical(results[i], await fresh.analyze({ text, topK: 4 }));
      // The cache the runtime is left with still serves an edit exactly.
      const edited = `${texts[0]} and more`;
      assertIdentical(await client.analyze({ text: edited, topK: 4 }), await fresh.analyze({ text: edited, topK: 4 }));
    } finally {
      await Promise.all([client.dispose(), fresh.dispose()]);
    }
  });
});

describe('one watchdog per request', () => {
  it('a request that waits longer than the stall timeout behind another is not taken for a hang', async () => {
    const model = modelFile('tiny');
    const stall = 1500;
    // The long analysis must take several stall timeouts on this machine: size it by a measured one.
    const probe = runtime(loadSpec(model, { scorer: 'exact-map' }));
    let long: string;
    try {
      await probe.ensureLoaded();
      const t0 = Date.now();
      await probe.analyze({ text: PROMPT.repeat(3), topK: 3 });
      const perRepeat = (Date.now() - t0) / 3;
      long = PROMPT.repeat(Math.min(60, Math.max(3, Math.ceil((3 * stall) / perRepeat))));
    } finally {
      await probe.dispose();
    }
    const client = runtime(loadSpec(model, { scorer: 'exact-map' }), silentLogger, stall);
    try {
      await client.ensureLoaded();
      const order: string[] = [];
      const phases: string[] = [];
      let second: Promise<unknown> | undefined;
      const first = client.analyze({ text: long, topK: 3 }, {
        onProgress: (_d, _t, phase) => {
          phases.push(phase);
          second ??= client.analyze({ text: long.replace(/movie/g, 'film'), topK: 3 }).then(() => order.push('second'));
        },
      }).then(() => order.push('first'));
      const started = Date.now();
      await first;
      await second;
      assert.deepEqual(order, ['second', 'first']);
      assert.ok(phases.includes('waiting'), 'the paused request reports that it waits');
      assert.ok(Date.now() - started > stall, `the run took ${Date.now() - started} ms; the test needs it to outlast the stall timeout (${stall} ms)`);
    } finally {
      await client.dispose();
    }
  });

  /** A stand-in worker: `behaviour` runs in it with `send` and each request. */
  function fakeWorker(name: string, behaviour: string): RuntimeClient {
    const file = path.join(tmp, `${name}.js`);
    fs.writeFileSync(file, `const send = (m) => process.send(m);\nprocess.on('disconnect', () => process.exit(0));\n${behaviour}\n`);
    const client = new RuntimeClient({ workerPath: file, logger: silentLogger, stallTimeoutMs: 1000 });
    client.setModel(loadSpec('/fake.gguf'));
    return client;
  }

  const LOAD = `if (req.type === 'load') { send({ id: req.id, type: 'started' }); send({ id: req.id, type: 'result', value: { model: {}, scorer: 'native' } }); return; }`;

  it('a hung request is found even while the worker keeps sending other messages', async () => {
    const client = fakeWorker('chatty', `setInterval(() => send({ type: 'log', level: 'debug', message: 'tick' }), 20);\nprocess.on('message', (req) => { ${LOAD} send({ id: req.id, type: 'started' }); });`);
    try {
      const outcome = await Promise.race([
        client.analyze({ text: 'x', topK: 1 }).then(() => 'resolved', (err: RuntimeError) => err.code),
        new Promise((resolve) => setTimeout(resolve, 8000, 'still pending after 8 s')),
      ]);
      assert.equal(outcome, 'crashed');
    } finally {
      await client.dispose();
    }
  });

  it('a queued request has no stall clock of its own while another runs', async () => {
    // Serial, as the real worker: each analysis reports progress every 100 ms for 2.5 s, so the second waits 2.5 s (the stall timeout is 1 s).
    const client = fakeWorker('serial', `let queue = Promise.resolve();
process.on('message', (req) => { ${LOAD}
  queue = queue.then(() => new Promise((resolve) => {
    send({ id: req.id, type: 'started' });
    let n = 0;
    const timer = setInterval(() => {
      send({ id: req.id, type: 'progress', done: ++n, total: 25, phase: 'analysing' });
      if (n === 25) { clearInterval(timer); send({ id: req.id, type: 'result', value: { id: req.id } }); resolve(); }
    }, 100);
  }));
});`);
    try {
      const results = await Promise.all([1, 2].map(() => client.analyze({ text: 'x', topK: 1 })));
      assert.equal(results.length, 2);
    } finally {
      await client.dispose();
    }
  });
});
