/**
 * How the runtime behaves around the numbers: KV reuse after edits, documents
 * longer than the context, bad model files, native crashes, cancellation and
 * model switches. Every failure must be a clear error, never a hang or a crash
 * of the calling process.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getEventListeners } from 'node:events';
import { after, describe, it } from 'node:test';
import { rowStatsAddonPath } from '../../../src/model/worker/rowStatsAddon';
import type { Analysis } from '../../../src/core/analysis';
import { RuntimeError } from '../../../src/model/runtimeError';
import { loadSpec, modelFile, runtime } from '../../support/fixtures';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'icl-lens-behaviour-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function assertSameNumbers(actual: Analysis, expected: Analysis, tolerance = 1e-9): void {
  assert.equal(actual.tokens.length, expected.tokens.length);
  actual.tokens.forEach((t, i) => {
    const e = expected.tokens[i];
    assert.deepEqual([t.id, t.start, t.end, t.rank, t.top.map((x) => x.id)], [e.id, e.start, e.end, e.rank, e.top.map((x) => x.id)], `token ${i}`);
    if (e.entropy === null) return assert.equal(t.entropy, null);
    assert.ok(Math.abs(t.entropy! - e.entropy) <= tolerance && Math.abs(t.surprisal! - e.surprisal!) <= tolerance, `token ${i}: ${t.entropy}/${t.surprisal} vs ${e.entropy}/${e.surprisal}`);
  });
}

async function rejectsWith(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof RuntimeError, `expected a RuntimeError, got ${err}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, pattern);
    return true;
  });
}

const PROMPT = Array.from({ length: 12 }, (_, i) => `Input: the movie number ${i} was ${i % 2 ? 'great' : 'bad'}\nOutput: ${i % 2 ? 'positive' : 'negative'}\n`).join('\n');

describe('KV-cache reuse', () => {
  for (const scorer of ['auto', 'exact-map'] as const) {
    it(`re-analyses only from the first changed token and equals a fresh analysis (${scorer})`, async () => {
      const model = modelFile('tiny');
      const warm = runtime(loadSpec(model, { scorer }));
      const fresh = runtime(loadSpec(model, { scorer }));
      try {
        const first = await warm.analyze({ text: PROMPT, topK: 5 });
        assert.equal(first.route.tokensEvaluated, first.tokens.length + 1, 'first pass evaluates BOS and every token');
        const edited = PROMPT.replace(/Output: positive\n$/, 'Output: negative, surely\n');
        const incremental = await warm.analyze({ text: edited, topK: 5 });
        // Re-evaluation restarts at the row before the first changed token (the exact setting's geometry).
        const changed = incremental.tokens.length - first.tokens.findIndex((t, i) => t.id !== incremental.tokens[i].id);
        assert.ok(incremental.route.tokensEvaluated <= changed + 1, `an edit at the end re-evaluated ${incremental.route.tokensEvaluated} tokens`);
        assert.ok(incremental.route.tokensEvaluated < first.tokens.length / 3);
        assertSameNumbers(incremental, await fresh.analyze({ text: edited, topK: 5 }));
        // An edit at the start invalidates everything after it.
        const startEdit = await warm.analyze({ text: `X${edited}`, topK: 5 });
        assert.ok(startEdit.route.tokensEvaluated >= startEdit.tokens.length);
        // Asking for more alternatives than cached recomputes instead of truncating.
        const moreTop = await warm.analyze({ text: `X${edited}`, topK: 8 });
        assert.equal(moreTop.tokens[3].top.length, 8);
        assert.equal(moreTop.route.tokensEvaluated, moreTop.tokens.length + 1);
      } finally {
        await Promise.all([warm.dispose(), fresh.dispose()]);
      }
    });
  }
});

describe('documents longer than the context', () => {
  it('are analysed in windows, never by a silent context shift', async () => {
    const model = modelFile('tiny');
    const client = runtime(loadSpec(model, { maxContextSize: 256 }));
    try {
      const long = PROMPT.repeat(4);
      const analysis = await client.analyze({ text: long, topK: 3 });
      assert.ok(analysis.tokens.length > 600, `${analysis.tokens.length} tokens`);
      assert.ok(analysis.route.window, 'the analysis says it was windowed');
      assert.equal(analysis.model.contextSize, 256);
      assert.ok(analysis.tokens.slice(1).every((t) => t.entropy !== null), 'every predicted token has numbers');
      // The first window's numbers are those of a fresh analysis of that prefix.
      const head = long.slice(0, analysis.tokens[200].start);
      const prefix = await client.analyze({ text: head, topK: 3 });
      const n = prefix.tokens.length - 1;
      assertSameNumbers({ ...prefix, tokens: prefix.tokens.slice(0, n) }, { ...analysis, tokens: analysis.tokens.slice(0, n) }, 1e-6);
    } finally {
      await client.dispose();
    }
  });
});

describe('empty documents', () => {
  it('give no tokens and the distribution after BOS', async () => {
    const client = runtime(loadSpec(modelFile('tiny')));
    try {
      const a = await client.analyze({ text: '', topK: 4 });
      assert.equal(a.tokens.length, 0);
      assert.equal(a.next?.top.length, 4);
    } finally {
      await client.dispose();
    }
  });
});

describe('bad model files', () => {
  const cases: Array<[string, () => string, RegExp]> = [
    ['a missing file', () => path.join(tmp, 'nope.gguf'), /not found/],
    ['a directory', () => tmp, /is a directory/],
    ['an empty file', () => { const f = path.join(tmp, 'empty.gguf'); fs.writeFileSync(f, ''); return f; }, /too small/],
    ['a text file', () => { const f = path.join(tmp, 'text.gguf'); fs.writeFileSync(f, 'hello, I am not a model at all, sorry'); return f; }, /not a GGUF file/],
    ['a truncated GGUF', () => {
      const f = path.join(tmp, 'truncated.gguf');
      const bytes = fs.readFileSync(modelFile('tiny'));
      fs.writeFileSync(f, bytes.subarray(0, Math.floor(bytes.length / 2)));
      return f;
    }, /truncated\.gguf is not a usable GGUF model: tensor \d+ \("[\w.]+"\) data ends at byte \d+, past the end of the file/],
    ['a corrupt header', () => {
      const f = path.join(tmp, 'corrupt.gguf');
      const bytes = Buffer.from(fs.readFileSync(modelFile('tiny')));
      bytes.writeBigUInt64LE(0xffffffffn, 16);
      fs.writeFileSync(f, bytes);
      return f;
    }, /corrupt\.gguf is not a usable GGUF model: the header declares 4294967295 metadata entries, more than a file of \d+ bytes can hold/],
  ];
  for (const [name, make, pattern] of cases) {
    it(`${name} gives a clear model error`, async () => {
      const client = runtime(loadSpec(make()));
      try {
        await rejectsWith(client.analyze({ text: 'hello', topK: 3 }), 'model', pattern);
      } finally {
        await client.dispose();
      }
    });
  }
  it('no model at all gives a clear model error', async () => {
    const client = runtime(loadSpec('  '));
    try {
      await rejectsWith(client.analyze({ text: 'hello', topK: 3 }), 'model', /No model is selected/);
    } finally {
      await client.dispose();
    }
  });
});

describe('native crashes', () => {
  it('are reported, and the next request starts a new runtime', async () => {
    // llama.cpp aborts the process when a vocabulary without byte fallback meets an unknown character.
    const client = runtime(loadSpec(modelFile('tiny-no-byte-fallback')));
    try {
      await rejectsWith(client.analyze({ text: 'caf\u00e9 ☕', topK: 3 }), 'crashed', /model runtime was killed by SIGABRT/);
      const ok = await client.analyze({ text: 'plain ascii', topK: 3 });
      assert.ok(ok.tokens.length > 0);
    } finally {
      await client.dispose();
    }
  });
});

describe('cancellation and model switches', () => {
  it('a cancelled analysis rejects as cancelled and the runtime keeps working', async () => {
    const client = runtime(loadSpec(modelFile('tiny'), { scorer: 'exact-map', maxContextSize: 512 }));
    try {
      await client.ensureLoaded();
      const controller = new AbortController();
      const pending = client.analyze({ text: PROMPT.repeat(6), topK: 3 }, { signal: controller.signal, onProgress: () => controller.abort() });
      await rejectsWith(pending, 'cancelled', /Cancelled/);
      const ok = await client.analyze({ text: 'after the cancel', topK: 3 });
      assert.ok(ok.tokens.length > 0);
    } finally {
      await client.dispose();
    }
  });

  it('switching the model mid-analysis cancels it and the next analysis uses the new model', async () => {
    const tiny = modelFile('tiny');
    const other = modelFile('tiny-no-byte-fallback');
    const client = runtime(loadSpec(tiny, { scorer: 'exact-map', maxContextSize: 512 }));
    try {
      await client.ensureLoaded();
      const pending = client.analyze({ text: PROMPT.repeat(6), topK: 3 }, { onProgress: () => client.setModel(loadSpec(other)) });
      await rejectsWith(pending, 'cancelled', /switched/);
      const after = await client.analyze({ text: 'plain ascii', topK: 3 });
      assert.equal(after.model.path, other);
    } finally {
      await client.dispose();
    }
  });

  it('a runtime that stops responding is stopped and reported', async () => {
    const client = runtime(loadSpec(modelFile('tiny'), { scorer: 'exact-map', maxContextSize: 512 }), undefined, 50);
    try {
      // A 50 ms stall limit cannot hold a cold model load: the watchdog must fire.
      await rejectsWith(client.analyze({ text: PROMPT, topK: 3 }), 'crashed', /stopped responding/);
    } finally {
      await client.dispose();
    }
  });
});

describe('hygiene', () => {
  it('removes its abort listeners once requests settle', async () => {
    const client = runtime(loadSpec(modelFile('tiny')));
    try {
      const controller = new AbortController();
      for (let i = 0; i < 12; i++) await client.analyze({ text: `request ${i}`, topK: 2 }, { signal: controller.signal });
      assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    } finally {
      await client.dispose();
    }
  });

  it('scores slots that share a token row, in the order asked', async () => {
    const client = runtime(loadSpec(modelFile('tiny')));
    try {
      const text = 'flips: H T\n';
      const one = await client.symbolMass({ text, slots: [{ offset: 7, symbols: ['H', 'T'] }] });
      const twice = await client.symbolMass({ text, slots: [{ offset: 7, symbols: ['T', 'H'] }, { offset: 7, symbols: ['H', 'T'] }] });
      assert.equal(twice.slots.length, 2);
      assert.deepEqual(twice.slots[1].mass, one.slots[0].mass);
      assert.deepEqual(twice.slots[0].mass, [...one.slots[0].mass].reverse());
    } finally {
      await client.dispose();
    }
  });

  it('the native addon leaves IEEE subnormals alone (no fast-math flush-to-zero)', () => {
    const file = rowStatsAddonPath(path.join(__dirname, '..', '..', '..', '..', 'dist'));
    assert.ok(fs.existsSync(file), file);
    require(file);
    const tiny = Number('1e-300') * Number('1e-10');
    assert.ok(tiny > 0, 'subnormal results survive loading the addon');
  });
});
