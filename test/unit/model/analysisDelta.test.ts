/**
 * Analyses travel as deltas (runtimeProtocol.ts AnalysisDelta): after every edit
 * the analysis the client reassembles must deep-equal, bit for bit, the analysis
 * a client receiving whole results computes for the same edits, and equal a
 * fresh analysis by a new worker with nothing cached (tokens, spans, texts,
 * ranks and top-k exactly; numbers within 1e-6 bits: evaluating a tail in a
 * batch of another shape rounds differently, ≈ 1e-7 bits measured); a one-line
 * edit near the end must put only the changed tail on the wire. On two
 * tokenizers (the tiny SentencePiece-style preset and starcoder's real BPE vocabulary).
 */
import * as assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { Analysis, TokenStat } from '../../../src/core/analysis';
import { silentLogger } from '../../../src/core/logger';
import { RuntimeClient } from '../../../src/model/runtimeClient';
import type { AnalysisDelta, WorkerEvent } from '../../../src/model/runtimeProtocol';
import { STREAM_TOKENS } from '../../../src/model/worker/analysis';
import { evaluationGeometry } from '../../../src/model/worker/evaluationGeometry';
import { loadSpec, modelFile, runtime, WORKER_PATH } from '../../support/fixtures';

const TOP_K = 5;
const LINES = Array.from({ length: 14 }, (_, i) => `Input: review ${i} of the movie was ${i % 2 ? 'great' : 'bad'}\r\nOutput: ${i % 2 ? 'positive' : 'negative'} 👍🏽\n`);
const DOCUMENT = LINES.join('\n');

/** Edits in sequence, each applied to the text the previous one left. */
const EDITS: Array<[string, (t: string) => string]> = [
  ['insert at the end', (t) => `${t}Input: one more`],
  ['delete at the end', (t) => t.slice(0, -4)],
  ['a one-line edit near the end', (t) => t.replace(/Output: positive 👍🏽\n$/, 'Output: neutral, on reflection 👍🏽\n')],
  ['insert in the middle', (t) => `${t.slice(0, t.length >> 1)} inserted 🏳️‍🌈 words${t.slice(t.length >> 1)}`],
  ['delete in the middle', (t) => t.slice(0, 200) + t.slice(230)],
  ['CRLF to LF in the last line', (t) => `${t.slice(0, t.lastIndexOf('Input'))}${t.slice(t.lastIndexOf('Input')).replace(/\r\n/g, '\n')}`],
  ['split an emoji near the end', (t) => `${t.slice(0, t.lastIndexOf('👍') + 1)}x${t.slice(t.lastIndexOf('👍') + 1)}`],
  ['insert at the start', (t) => `Header.\n${t}`],
  ['delete at the start', (t) => t.slice(8)],
];

/** What an analysis says about the text, without how it was computed (route, context size). */
const content = (a: Analysis) => ({ text: a.text, tokens: a.tokens, next: a.next });

const NUMBER_TOLERANCE_BITS = 1e-6;

/** `actual` equals the fresh analysis `expected`: everything but the numbers exactly, the numbers within the tolerance. */
function assertEqualsFresh(actual: Analysis, expected: Analysis, what: string): void {
  const shape = (a: Analysis) => ({
    text: a.text,
    tokens: a.tokens.map((t) => ({ ...t, surprisal: t.surprisal === null, entropy: t.entropy === null, p: t.p === null, top: t.top.map((x) => [x.id, x.text]) })),
    next: a.next && a.next.top.map((x) => [x.id, x.text]),
  });
  assert.deepEqual(shape(actual), shape(expected), `${what}: tokens, spans, texts, ranks and top-k`);
  const close = (x: number | null, y: number | null, label: string) => {
    if (x === null || y === null) return assert.equal(x, y, label);
    assert.ok(Math.abs(x - y) <= NUMBER_TOLERANCE_BITS, `${what}: ${label}: ${x} vs ${y}`);
  };
  actual.tokens.forEach((t, i) => {
    const e = expected.tokens[i];
    close(t.surprisal, e.surprisal, `surprisal of token ${i}`);
    close(t.entropy, e.entropy, `entropy of token ${i}`);
    t.top.forEach((x, k) => close(Math.log2(x.p), Math.log2(e.top[k].p), `top ${k} of token ${i}`));
  });
  close(actual.next?.entropy ?? null, expected.next?.entropy ?? null, 'next entropy');
}

/** An analysis result as it went over the wire: the delta, and how many tokens were streamed before it. */
type Sent = AnalysisDelta & { readonly streamed: number };

/** The analysis results the worker sends `client`, read off its IPC channel. */
function recordDeltas(client: RuntimeClient): Sent[] {
  const seen: Sent[] = [];
  const streamed = new Map<number, number>();
  const worker = (client as unknown as { worker?: ChildProcess }).worker;
  assert.ok(worker, 'the client has a worker');
  worker.on('message', (event: WorkerEvent) => {
    if (event.type === 'tokens') streamed.set(event.id, (streamed.get(event.id) ?? 0) + event.tokens.length);
    if (event.type === 'result' && typeof event.value === 'object' && event.value !== null && 'keep' in event.value) {
      seen.push({ ...(event.value as AnalysisDelta), streamed: streamed.get(event.id) ?? 0 });
    }
  });
  return seen;
}

for (const preset of ['tiny', 'bpe-starcoder'] as const) {
  describe(`analysis deltas (${preset})`, () => {
    const model = modelFile(preset);
    let client: RuntimeClient;
    let whole: RuntimeClient;
    let fresh: RuntimeClient;
    let deltas: Sent[];
    before(async () => {
      client = runtime(loadSpec(model));
      whole = new RuntimeClient({ workerPath: WORKER_PATH, logger: silentLogger, incremental: false });
      whole.setModel(loadSpec(model));
      fresh = runtime(loadSpec(model));
      await client.ensureLoaded();
      deltas = recordDeltas(client);
    });
    after(async () => {
      await Promise.all([client.dispose(), whole.dispose(), fresh.dispose()]);
    });

    /** A fresh analysis: a new worker, nothing cached. */
    async function freshAnalysis(text: string): Promise<Analysis> {
      fresh.release();
      return fresh.analyze({ text, topK: TOP_K });
    }

    async function freshAnalysis3(text: string): Promise<Analysis> {
      fresh.release();
      return fresh.analyze({ text, topK: 3 });
    }

    it('reassembles, after every edit, what whole results give, and a fresh worker\'s analysis', async () => {
      let text = DOCUMENT;
      const first = await client.analyze({ text, topK: TOP_K });
      assert.deepEqual(content(first), content(await freshAnalysis(text)), 'the first analysis');
      assert.deepEqual(content(await whole.analyze({ text, topK: TOP_K })), content(first));
      assert.equal(deltas.at(-1)?.base, undefined, 'the first result has no base');
      for (const [name, edit] of EDITS) {
        text = edit(text);
        const analysis = await client.analyze({ text, topK: TOP_K });
        assert.deepEqual(content(analysis), content(await whole.analyze({ text, topK: TOP_K })), `${name}: bit for bit as whole results`);
        assertEqualsFresh(analysis, await freshAnalysis(text), name);
        const delta = deltas.at(-1)!;
        // A text that shares no prefix with any result held has nothing to be a delta against.
        if (!name.endsWith('at the start')) assert.notEqual(delta.base, undefined, `${name}: sent as a delta`);
        assert.equal(delta.keep + delta.tokens.length + delta.streamed, analysis.tokens.length, `${name}: the delta covers the analysis`);
      }
    });

    it('sends only the changed tail for a one-line edit near the end', async () => {
      await client.analyze({ text: DOCUMENT, topK: TOP_K });
      const before = deltas.at(-1)!;
      const edited = DOCUMENT.replace(/Output: positive 👍🏽\n$/, 'Output: neutral 👍🏽\n');
      const analysis = await client.analyze({ text: edited, topK: TOP_K });
      const delta = deltas.at(-1)!;
      assert.equal(delta.base, before.id);
      // Everything before the changed line is kept: the re-analysis restarts at the row before the change
      // (earlier by at most the geometry's minimum batch, so the last batch is not shorter), and equals a fresh pass.
      const { minBatch } = evaluationGeometry(undefined);
      const changedAt = analysis.tokens.findIndex((t) => t.end > DOCUMENT.lastIndexOf('Output: positive') + 'Output: '.length);
      assert.ok(delta.keep >= changedAt - minBatch && delta.keep <= changedAt, `kept ${delta.keep}, the change is at token ${changedAt}`);
      const sent = delta.tokens.length + delta.streamed;
      assert.ok(sent <= minBatch + analysis.tokens.length - changedAt, `${sent} tokens sent of ${analysis.tokens.length}: more than the changed line and one minimum batch`);
      assertEqualsFresh(analysis, await freshAnalysis(edited), 'the one-line edit');
    });

    it('streams partial results that the final analysis agrees with, in small messages', async () => {
      const text = `Fresh start.\n${DOCUMENT.repeat(3)}`;
      const partials: Array<readonly TokenStat[]> = [];
      const analysis = await client.analyze({ text, topK: TOP_K }, { onPartial: (tokens) => partials.push([...tokens]) });
      const delta = deltas.at(-1)!;
      assert.ok(analysis.tokens.length > 2 * STREAM_TOKENS, `${analysis.tokens.length} tokens: several chunks`);
      assert.ok(partials.length >= 3, `${partials.length} partial results`);
      assert.equal(delta.streamed, analysis.tokens.length - delta.streamedFrom!, 'every token from streamedFrom was streamed');
      assert.ok(delta.tokens.length <= 1, 'the result itself carries none of the streamed tokens');
      for (const [i, partial] of partials.entries()) {
        assert.equal(partial[0].index, delta.streamedFrom, `partial ${i} starts at the first evaluated token`);
        if (i > 0) assert.ok(partial.length > partials[i - 1].length, 'each partial adds tokens');
        assert.deepEqual(partial, analysis.tokens.slice(delta.streamedFrom, delta.streamedFrom! + partial.length), `partial ${i} is final`);
      }
      assert.deepEqual(content(analysis), content(await whole.analyze({ text, topK: TOP_K })));
    });

    it('keeps two documents apart: each edit is a delta against its own document', async () => {
      const other = `A different document.\n${DOCUMENT.slice(0, 300)}`;
      await client.analyze({ text: DOCUMENT, topK: TOP_K });
      const a = deltas.at(-1)!;
      await client.analyze({ text: other, topK: TOP_K });
      const b = deltas.at(-1)!;
      const editedA = `${DOCUMENT}more`;
      const editedB = `${other}more`;
      assertEqualsFresh(await client.analyze({ text: editedA, topK: TOP_K }), await freshAnalysis(editedA), 'document A');
      assert.equal(deltas.at(-1)!.base, a.id);
      assertEqualsFresh(await client.analyze({ text: editedB, topK: TOP_K }), await freshAnalysis(editedB), 'document B');
      assert.equal(deltas.at(-1)!.base, b.id);
    });

    it('gives a full result for another top-k, and equal numbers', async () => {
      await client.analyze({ text: DOCUMENT, topK: TOP_K });
      const analysis = await client.analyze({ text: `${DOCUMENT}x`, topK: 3 });
      assert.ok(analysis.tokens.every((t) => t.top.length <= 3));
      assertEqualsFresh(analysis, await freshAnalysis3(`${DOCUMENT}x`), 'top-3');
    });
  });
}
