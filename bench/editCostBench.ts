/**
 * What a one-line edit near the end costs, end to end: `npm run bench:edit`.
 *
 * On the benchmark model (135M random llama, 49,152 vocabulary, 2 threads), for
 * 512- and 2,048-token prompts (BENCH_SIZES), a one-line edit near the end is
 * re-analysed and its cost broken down:
 *   - in the worker (in this process, on a LlamaEngine): tokenize, token spans
 *     (windowed detokenization, full vs resumed from the previous analysis), the
 *     model's evaluation of the changed tokens, building every token's statistics
 *     (top-k texts), serialising the result for IPC (JSON, as Node's IPC does);
 *   - on the host: parsing the message, the heatmap's ranges and editor
 *     positions (for 2k and 8k tokens: one whole message vs streamed ones);
 *   - through a RuntimeClient, as the extension host runs it: the edit's wall time
 *     and the host's longest event-loop block, with full results (`incremental:
 *     false`, the old protocol) and with deltas, interleaved, so the ratio is taken
 *     within one run.
 * Medians of BENCH_REPEATS runs; the machine is noisy, ratios are what to read.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { Analysis } from '../src/core/analysis';
import { heatmapRanges } from '../src/core/heatmapScale';
import { silentLogger } from '../src/core/logger';
import { tokenSpans } from '../src/core/tokenSpans';
import { RuntimeClient } from '../src/model/runtimeClient';
import type { LoadSpec } from '../src/model/runtimeProtocol';
import { STREAM_TOKENS } from '../src/model/worker/analysis';
import { LlamaEngine } from '../src/model/worker/llamaEngine';
import { ensurePresetModel } from '../tools/modelFiles';
import { LoopLag, median, promptText } from './benchCommon';
import { linePositions } from '../src/core/linePositions';

const ROOT = path.resolve(__dirname, '..', '..');
const THREADS = 2;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const SIZES = (process.env.BENCH_SIZES ?? '512,2048').split(',').map(Number);
const HOST_SIZES = (process.env.BENCH_HOST_SIZES ?? '2048').split(',').map(Number);
const TOP_K = 10;

/** The same one-line edit heatmapBench makes: the last output label rewritten. */
function editNearEnd(text: string, variant: number): string {
  const lastLine = text.lastIndexOf('Output:');
  return `${text.slice(0, lastLine)}Output: neutral, on reflection ${variant}${text.slice(lastLine + 'Output: positive'.length)}`;
}

function time<T>(fn: () => T): { value: T; ms: number } {
  const t = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t };
}

async function timeAsync<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t };
}

/** The host's painting work for `analysis`: ranges, then editor positions (a line table stands in for TextDocument.positionAt). */
function paintWork(analysis: Analysis): number {
  const positionAt = linePositions(analysis.text);
  const ranges = heatmapRanges(analysis.tokens, 'surprisal', 12);
  const byLevel: unknown[][] = Array.from({ length: 8 }, () => []);
  for (const r of ranges) byLevel[r.level].push({ start: positionAt(r.start), end: positionAt(r.end) });
  return ranges.length;
}

interface Breakdown {
  tokenize: number;
  spans: number;
  spansResumed: number;
  evaluateAndRest: number;
  buildStats: number;
  serialise: number;
  bytes: number;
  hostParse: number;
  hostPaint: number;
  /** The same edit on the delta path: total in the worker, the delta serialised and parsed. */
  deltaTotal: number;
  deltaSerialise: number;
  deltaBytes: number;
  deltaParse: number;
}

async function workerBreakdown(nlc: typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } }), spec: LoadSpec, text: string): Promise<Breakdown> {
  const engine = new LlamaEngine(nlc, path.join(ROOT, 'dist'), () => {});
  const never = new AbortController().signal;
  await engine.load(spec, never, () => {});
  const loaded = (engine as unknown as { loaded: { model: { tokenize(t: string, s: boolean): number[]; detokenize(t: number[], s: boolean, last: number[]): string }; tokenText(id: number): string } }).loaded;
  const detokenize = (t: readonly number[], last: readonly number[]) => loaded.model.detokenize([...t], false, [...last]);
  const runs: Breakdown[] = [];
  await engine.analyze({ text, topK: TOP_K }, never, () => {});
  for (let r = 0; r < REPEATS; r++) {
    const edited = editNearEnd(text, r);
    // Before: the whole result, every token built and sent.
    const total = await timeAsync(() => engine.analyze({ text: edited, topK: TOP_K }, never, () => {}));
    const analysis = total.value;
    const tok = time(() => loaded.model.tokenize(edited, false));
    const original = loaded.model.tokenize(text, false);
    const previous = { tokens: original, text, result: tokenSpans(original, text, detokenize) };
    const spans = time(() => tokenSpans(tok.value, edited, detokenize));
    const resumed = time(() => tokenSpans(tok.value, edited, detokenize, undefined, previous));
    const build = time(() => analysis.tokens.map((t) => ({ ...t, text: edited.slice(t.start, t.end), top: t.top.map((a) => ({ id: a.id, p: a.p, text: loaded.tokenText(a.id) })) })));
    const ser = time(() => `${JSON.stringify({ id: 1, type: 'result', value: analysis })}\n`);
    const parse = time(() => JSON.parse(ser.value) as { value: Analysis });
    const paint = time(() => paintWork(parse.value.value));
    // After: the same edit as a delta against the original's result.
    const base = await engine.analyzeDelta({ text, topK: TOP_K }, undefined, never, () => {});
    const streamed: string[] = [];
    const delta = await timeAsync(() => engine.analyzeDelta({ text: edited, topK: TOP_K }, base.id, never, () => {}, undefined, (from, tokens) => {
      streamed.push(`${JSON.stringify({ id: 1, type: 'tokens', from, tokens })}\n`);
    }));
    const deltaSer = time(() => `${JSON.stringify({ id: 1, type: 'result', value: delta.value })}\n`);
    const deltaParse = time(() => [deltaSer.value, ...streamed].map((m) => JSON.parse(m) as unknown));
    runs.push({
      tokenize: tok.ms, spans: spans.ms, spansResumed: resumed.ms, buildStats: build.ms, serialise: ser.ms, bytes: ser.value.length, hostParse: parse.ms, hostPaint: paint.ms,
      evaluateAndRest: total.ms - tok.ms - spans.ms - build.ms,
      deltaTotal: delta.ms, deltaSerialise: deltaSer.ms, deltaBytes: deltaSer.value.length + streamed.reduce((n, m) => n + m.length, 0), deltaParse: deltaParse.ms,
    });
    // Back to the original, so every run's edit re-evaluates the same tail.
    await engine.analyze({ text, topK: TOP_K }, never, () => {});
  }
  await engine.dispose();
  const keys = Object.keys(runs[0]) as (keyof Breakdown)[];
  return Object.fromEntries(keys.map((k) => [k, median(runs.map((b) => b[k]))])) as unknown as Breakdown;
}

async function main(): Promise<void> {
  const modelPath = ensurePresetModel('bench', path.join(os.tmpdir(), 'icl-lens-bench-models', 'bench.gguf'));
  const nlc = await import('node-llama-cpp');
  const llama = await nlc.getLlama({ gpu: false, build: 'never', logLevel: nlc.LlamaLogLevel.error });
  const baseModel = await llama.loadModel({ modelPath });
  const tokenize = (t: string) => baseModel.tokenize(t, false);
  const spec: LoadSpec = { source: modelPath, downloadDir: os.tmpdir(), threads: THREADS, gpu: 'cpu', maxContextSize: 4096, scorer: 'auto' };
  const f = (x: number, d = 1) => x.toFixed(d);
  const out: string[] = [];
  out.push(`ICL Lens edit-cost benchmark — ${os.cpus()[0]?.model ?? 'cpu'}, ${THREADS} threads, bench model (49,152 vocab), top-${TOP_K}, median of ${REPEATS}; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  out.push('', '## Worker-side breakdown of a one-line edit near the end (in-process engine), ms', '');
  out.push('| tokens | total edit, whole result | tokenize | spans full / resumed | evaluation + rest | stats (top-k texts) | JSON serialise (size) | host parse | host paint | total edit, delta | delta serialise (size) | delta parse |');
  out.push('|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const size of SIZES) {
    const text = promptText(tokenize, size);
    const b = await workerBreakdown(nlc, spec, text);
    const total = b.tokenize + b.spans + b.evaluateAndRest + b.buildStats;
    out.push(`| ${size} | ${f(total)} | ${f(b.tokenize)} | ${f(b.spans)} / ${f(b.spansResumed)} | ${f(b.evaluateAndRest)} | ${f(b.buildStats)} | ${f(b.serialise)} (${(b.bytes / 1024).toFixed(0)} KiB) | ${f(b.hostParse)} | ${f(b.hostPaint)} | ${f(b.deltaTotal)} | ${f(b.deltaSerialise)} (${(b.deltaBytes / 1024).toFixed(1)} KiB) | ${f(b.deltaParse)} |`);
    process.stderr.write(`${size}: ${JSON.stringify(b)}\n`);
  }

  out.push('', '## Host side at about 8,192 tokens (the 2,048-token prompt repeated 4×, analysed on the tiny preset for speed; top-10), ms', '');
  {
    const text = promptText(tokenize, 2048);
    const tiny = ensurePresetModel('tiny', path.join(os.tmpdir(), 'icl-lens-bench-models', 'tiny.gguf'));
    const client = newClient({ ...spec, source: tiny }, true);
    const one = await client.analyze({ text: text.repeat(4), topK: TOP_K });
    await client.dispose();
    const whole = `${JSON.stringify({ id: 1, type: 'result', value: one })}\n`;
    const parts: string[] = [];
    for (let a = 0; a < one.tokens.length; a += STREAM_TOKENS) parts.push(`${JSON.stringify({ id: 1, type: 'tokens', from: a, tokens: one.tokens.slice(a, a + STREAM_TOKENS) })}\n`);
    const parseWhole = median(Array.from({ length: REPEATS }, () => time(() => JSON.parse(whole) as unknown).ms));
    const parsePart = median(Array.from({ length: REPEATS }, () => Math.max(...parts.map((m) => time(() => JSON.parse(m) as unknown).ms))));
    const paint = median(Array.from({ length: REPEATS }, () => time(() => paintWork(one)).ms));
    out.push(`| tokens | whole result: one message, parse | streamed: largest message (${STREAM_TOKENS} tokens), parse | ranges + positions for every token |`, '|--:|--:|--:|--:|');
    out.push(`| ${one.tokens.length} | ${f(parseWhole)} (${(whole.length / 2 ** 20).toFixed(1)} MiB) | ${f(parsePart)} (${(Math.max(...parts.map((m) => m.length)) / 1024).toFixed(0)} KiB) | ${f(paint)} |`);
  }

  out.push('', '## Through the worker process (RuntimeClient), one-line edit near the end: full results vs deltas, interleaved', '');
  out.push('| tokens | edit ms, full | edit ms, delta | ratio | host loop max ms, full | host loop max ms, delta |');
  out.push('|--:|--:|--:|--:|--:|--:|');
  for (const size of [...new Set([...SIZES, ...HOST_SIZES])].sort((a, b) => a - b)) {
    const text = promptText(tokenize, size);
    const clients = { full: newClient(spec, false), delta: newClient(spec, true) };
    const ms: Record<string, number[]> = { full: [], delta: [] };
    const lag: Record<string, number[]> = { full: [], delta: [] };
    for (const c of Object.values(clients)) await c.analyze({ text, topK: TOP_K });
    const loop = new LoopLag();
    for (let r = 0; r < REPEATS; r++) {
      for (const [name, client] of Object.entries(clients)) {
        loop.reset();
        loop.start();
        const t = await timeAsync(() => client.analyze({ text: editNearEnd(text, r), topK: TOP_K }));
        lag[name].push(loop.stop());
        ms[name].push(t.ms);
        await client.analyze({ text, topK: TOP_K });
      }
    }
    for (const c of Object.values(clients)) await c.dispose();
    out.push(`| ${size} | ${f(median(ms.full), 0)} | ${f(median(ms.delta), 0)} | ${f(median(ms.delta.map((d, i) => d / ms.full[i])), 2)}× | ${f(median(lag.full))} | ${f(median(lag.delta))} |`);
    process.stderr.write(`${size} via worker: ${JSON.stringify({ ms, lag })}\n`);
  }
  await baseModel.dispose();
  process.stdout.write(`${out.join('\n')}\n`);
}

function newClient(spec: LoadSpec, incremental: boolean): RuntimeClient {
  const client = new RuntimeClient({ workerPath: path.join(ROOT, 'dist', 'worker.js'), logger: silentLogger, incremental });
  client.setModel(spec);
  return client;
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
