/**
 * Heatmap benchmark: `npm run bench`.
 *
 * Generates the random-weight benchmark models (135M parameters, d 576, 30 layers,
 * Q8_0; a 49,152-token SentencePiece vocabulary, and Qwen2's 151,936-token one)
 * with the project's GGUF writer, then on 2 threads measures, per document size:
 * plain evaluation (llama.cpp defaults: flash attention on, F16 KV; and flash
 * attention off with an F16 and an F32 cache), the heatmap analysis (exact
 * entropy + surprisal + rank + top-10 in one pass) in the exact setting (flash
 * attention off, F32 KV) and the fast one (kvCache 'f16': flash attention on),
 * the exact-map fallback, a one-line edit near the end re-analysed, the
 * event-loop delay of the process that runs the analysis and of the client (the
 * extension host's view), and peak memory; then a document longer than the
 * context with an edit in its last window. Ratios are taken within one run, per
 * interleaved pair. Prints a table and writes bench/results/latest.json.
 *
 * Knobs: BENCH_SIZES (default 512,2048,8000: the bench
 * model's training context is 8,192 tokens, and a document of 8,192 does not fit
 * it, as the analysis needs a cell after the last token: it would be windowed),
 * BENCH_SIZES_152K (default 2048;
 * empty to skip), BENCH_REPEATS (3), BENCH_MAP_MAX (largest size the exact-map
 * route runs at, 2048), BENCH_WINDOWED (tokens of the windowed document, 4096;
 * 0 to skip) with BENCH_WINDOW_CONTEXT (its context, 1024).
 */
import * as fs from 'node:fs';
import type { LlamaModel } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '../src/core/logger';
import { RuntimeClient } from '../src/model/runtimeClient';
import type { LoadSpec } from '../src/model/runtimeProtocol';
import { LlamaEngine } from '../src/model/worker/llamaEngine';
import { evaluationGeometry } from '../src/model/worker/evaluationGeometry';
import { ensurePresetModel } from '../tools/modelFiles';
import { LoopLag, median, promptText, timeIt } from './benchCommon';

const ROOT = path.resolve(__dirname, '..', '..');
const THREADS = 2;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const sizes = (value: string) => value.split(',').filter((x) => x.trim() !== '').map(Number);
const SIZES = sizes(process.env.BENCH_SIZES ?? '512,2048,8000');
const SIZES_152K = sizes(process.env.BENCH_SIZES_152K ?? '2048');
const MAP_ROUTE_MAX_TOKENS = Number(process.env.BENCH_MAP_MAX ?? 2048);
const WINDOWED_TOKENS = Number(process.env.BENCH_WINDOWED ?? 4096);
const WINDOW_CONTEXT = Number(process.env.BENCH_WINDOW_CONTEXT ?? 1024);

/** Samples resident memory while `fn` runs; returns its peak in MiB. */
async function peakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peakMiB: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 10);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, peakMiB: peak / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

function workerPeakRssMiB(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

type Nlc = typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } });
type Model = LlamaModel;

const spec = (modelPath: string, scorer: LoadSpec['scorer'], extra: Partial<LoadSpec> = {}): LoadSpec => (
  { source: modelPath, downloadDir: os.tmpdir(), threads: THREADS, gpu: 'cpu', maxContextSize: 8192, scorer, ...extra }
);

/** Plain-evaluation settings: llama.cpp's defaults, and flash attention off with each cache type. */
const PLAIN = {
  defaults: {},
  noFaF16: { flashAttention: false },
  noFaF32: { flashAttention: false, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32' },
} as const;

/** One document size on one model: every figure of a table row. */
async function measureSize(nlc: Nlc, model: Model, modelPath: string, vocab: string, size: number): Promise<Record<string, unknown>> {
  const tokenize = (t: string) => model.tokenize(t, false);
  const text = promptText(tokenize, size);
  const tokens = [...(model.tokens.bos === null ? [] : [model.tokens.bos]), ...tokenize(text)];
  const lastLine = text.lastIndexOf('Output:');
  const edited = `${text.slice(0, lastLine)}Output: neutral, on reflection${text.slice(lastLine + 'Output: positive'.length)}`;
  const contextSize = Math.max(512, 2 ** Math.ceil(Math.log2(tokens.length + 64)));

  // Plain evaluation with each setting, and the analysis in this process (the worker's view) in the
  // exact and the fast setting, interleaved so that drift in the machine's speed hits all alike.
  const plainSeqs = await Promise.all(Object.values(PLAIN).map(async (o) => (await model.createContext({ contextSize, threads: THREADS, ...o })).getSequence()));
  const never = new AbortController().signal;
  const engines = { exact: new LlamaEngine(nlc, path.join(ROOT, 'dist'), () => {}), fast: new LlamaEngine(nlc, path.join(ROOT, 'dist'), () => {}) };
  await engines.exact.load(spec(modelPath, 'auto'), never, () => {});
  await engines.fast.load(spec(modelPath, 'auto', { kvCache: 'f16' }), never, () => {});
  const plain: number[][] = plainSeqs.map(() => []);
  const full = { exact: [] as number[], fast: [] as number[] };
  const edit = { exact: [] as number[], fast: [] as number[] };
  const editTokens = { exact: 0, fast: 0 };
  let route = '';
  const loop = new LoopLag();
  const { peakMiB } = await peakRss(async () => {
    for (let r = 0; r < REPEATS; r++) {
      for (const [i, sequence] of plainSeqs.entries()) {
        await sequence.eraseContextTokenRanges([{ start: 0, end: sequence.nextTokenIndex }]);
        plain[i].push(await timeIt(() => sequence.controlledEvaluate(tokens)));
      }
      for (const kind of ['exact', 'fast'] as const) {
        const engine = engines[kind];
        // A change at the very start invalidates the cache but keeps the context's size.
        await engine.analyze({ text: `#${text}`, topK: 10 }, never, () => {});
        loop.start();
        full[kind].push(await timeIt(async () => { route = (await engine.analyze({ text, topK: 10 }, never, () => {})).route.scorer; }));
        edit[kind].push(await timeIt(async () => { editTokens[kind] = (await engine.analyze({ text: edited, topK: 10 }, never, () => {})).route.tokensEvaluated; }));
        loop.stop();
      }
    }
  });
  await Promise.all([engines.exact.dispose(), engines.fast.dispose(), ...plainSeqs.map((s) => s.context.dispose())]);
  const [plainDefault, plainNoFaF16, plainNoFaF32] = plain;

  // The exact-map fallback (probability Maps), and its surprisal reading (filtered logits), timed against plain evaluation in the same stretch.
  let mapRatio: number | null = null;
  let mapMs: number | null = null;
  let mapSurprisalRatio: number | null = null;
  let mapSurprisalMs: number | null = null;
  if (size <= MAP_ROUTE_MAX_TOKENS) {
    const mapEngine = new LlamaEngine(nlc, path.join(ROOT, 'dist'), () => {});
    await mapEngine.load(spec(modelPath, 'exact-map'), never, () => {});
    const sequence = (await model.createContext({ contextSize, threads: THREADS, ...PLAIN.noFaF32 })).getSequence();
    mapMs = await timeIt(() => mapEngine.analyze({ text, topK: 10 }, never, () => {}));
    // Rows of the full reading never serve the surprisal reading: this is a whole pass too.
    mapSurprisalMs = await timeIt(() => mapEngine.analyze({ text, topK: 10, needs: 'surprisal' }, never, () => {}));
    const plainHere = await timeIt(() => sequence.controlledEvaluate(tokens));
    mapRatio = mapMs / plainHere;
    mapSurprisalRatio = mapSurprisalMs / plainHere;
    await mapEngine.dispose();
    await sequence.context.dispose();
  }

  // Through the worker process, as the extension host runs it: the host's event loop over a full pass and an edit.
  const client = new RuntimeClient({ workerPath: path.join(ROOT, 'dist', 'worker.js'), logger: silentLogger });
  client.setModel(spec(modelPath, 'auto'));
  await client.ensureLoaded();
  const hostLoop = new LoopLag();
  hostLoop.start();
  const viaWorker = await timeIt(() => client.analyze({ text, topK: 10 }));
  const viaWorkerEdit = await timeIt(() => client.analyze({ text: edited, topK: 10 }));
  hostLoop.stop();
  const workerPid = (client as unknown as { worker?: { pid?: number } }).worker?.pid;
  const workerPeak = workerPeakRssMiB(workerPid);
  await client.dispose();

  const ratio = (a: number[], b: number[]) => median(a.map((t, i) => t / b[i]));
  return {
    vocab,
    tokens: tokens.length,
    route,
    plainMs: median(plainDefault),
    plainNoFaF16Ms: median(plainNoFaF16),
    plainNoFaF32Ms: median(plainNoFaF32),
    noFaRatio: ratio(plainNoFaF16, plainDefault),
    f32KvShare: median(plainNoFaF32.map((t, i) => (t - plainNoFaF16[i]) / t)),
    exactMs: median(full.exact),
    exactRatio: ratio(full.exact, plainDefault),
    exactRatioToNoFaF32: ratio(full.exact, plainNoFaF32),
    fastMs: median(full.fast),
    fastRatio: ratio(full.fast, plainDefault),
    exactMapMs: mapMs,
    exactMapRatio: mapRatio,
    exactMapSurprisalMs: mapSurprisalMs,
    exactMapSurprisalRatio: mapSurprisalRatio,
    editMs: median(edit.exact),
    editTokensEvaluated: editTokens.exact,
    editFractionOfFull: ratio(edit.exact, full.exact),
    fastEditMs: median(edit.fast),
    fastEditTokensEvaluated: editTokens.fast,
    fastEditFractionOfFull: ratio(edit.fast, full.fast),
    viaWorkerMs: viaWorker,
    viaWorkerEditMs: viaWorkerEdit,
    analysisProcessLoopMaxMs: loop.max,
    hostLoopMaxMs: hostLoop.max,
    benchProcessPeakRssMiB: peakMiB,
    workerPeakRssMiB: workerPeak,
    oneBatchOfLogitsMiB: (evaluationGeometry(undefined).batch * vocabularySize(model)) * 4 / 2 ** 20,
  };
}

function vocabularySize(model: Model): number {
  const tokens = (model.fileInfo.metadata as unknown as { tokenizer?: { ggml?: { tokens?: unknown[] } } }).tokenizer?.ggml?.tokens;
  return Array.isArray(tokens) ? tokens.length : 0;
}

/** A document longer than the context, analysed in windows, then an edit in its last window. */
async function measureWindowed(nlc: Nlc, model: Model, modelPath: string): Promise<Record<string, unknown>> {
  const text = promptText((t) => model.tokenize(t, false), WINDOWED_TOKENS);
  const lastLine = text.lastIndexOf('Output:');
  // Same length in tokens, so the window plan stays and only the last window changes.
  const edited = `${text.slice(0, lastLine)}Output: negative${text.slice(lastLine + 'Output: positive'.length)}`;
  const engine = new LlamaEngine(nlc, path.join(ROOT, 'dist'), () => {});
  const never = new AbortController().signal;
  await engine.load(spec(modelPath, 'auto', { maxContextSize: WINDOW_CONTEXT }), never, () => {});
  const full: number[] = [];
  const edit: number[] = [];
  let fullTokens = 0;
  let editTokens = 0;
  let windows = '';
  for (let r = 0; r < REPEATS; r++) {
    await engine.analyze({ text: `#${text}`, topK: 10 }, never, () => {});
    full.push(await timeIt(async () => {
      const a = await engine.analyze({ text, topK: 10 }, never, () => {});
      fullTokens = a.route.tokensEvaluated;
      windows = `${a.tokens.length} tokens, windows of ${a.route.window?.size}`;
    }));
    edit.push(await timeIt(async () => { editTokens = (await engine.analyze({ text: edited, topK: 10 }, never, () => {})).route.tokensEvaluated; }));
  }
  await engine.dispose();
  return { windows, fullMs: median(full), fullTokensEvaluated: fullTokens, editMs: median(edit), editTokensEvaluated: editTokens, editFractionOfFull: median(edit.map((t, i) => t / full[i])) };
}

async function main(): Promise<void> {
  const nlc = await import('node-llama-cpp');
  const llama = await nlc.getLlama({ gpu: false, build: 'never', logLevel: nlc.LlamaLogLevel.error });
  const modelDir = path.join(os.tmpdir(), 'icl-lens-bench-models');
  const models = [
    { preset: 'bench' as const, vocab: '49k', sizes: SIZES },
    { preset: 'bench-152k' as const, vocab: '152k', sizes: SIZES_152K },
  ];
  const results: Record<string, unknown>[] = [];
  let windowed: Record<string, unknown> | null = null;
  for (const { preset, vocab, sizes: here } of models) {
    if (here.length === 0 && !(preset === 'bench' && WINDOWED_TOKENS > 0)) continue;
    const modelPath = ensurePresetModel(preset, path.join(modelDir, `${preset}.gguf`));
    const model = await llama.loadModel({ modelPath });
    for (const size of here) {
      const row = await measureSize(nlc, model, modelPath, vocab, size);
      results.push(row);
      process.stderr.write(`${vocab} ${size}: ${JSON.stringify(row)}\n`);
    }
    if (preset === 'bench' && WINDOWED_TOKENS > 0) {
      windowed = await measureWindowed(nlc, model, modelPath);
      process.stderr.write(`windowed: ${JSON.stringify(windowed)}\n`);
    }
    await model.dispose();
  }

  const f = (x: unknown, d = 0) => (typeof x !== 'number' ? '—' : x.toFixed(d));
  const lines = [
    `ICL Lens heatmap benchmark — ${os.cpus()[0]?.model ?? 'cpu'}, ${THREADS} threads, 135M random llama (Q8_0), median of ${REPEATS} (ratios: median of per-run ratios), load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`,
    '',
    '| vocab | tokens | plain ms (defaults) | no FA ×plain | F32 KV share | exact heatmap ms (×plain) | fast heatmap (×plain) | exact-map (×plain) | exact-map surprisal (×plain) | edit ms (tokens, ×full) | fast edit (tokens, ×full) | loop max ms analysis / host | peak RSS MiB bench / worker (one batch of logits) |',
    '|--|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...results.map((r: any) => `| ${r.vocab} | ${r.tokens} | ${f(r.plainMs)} | ${f(r.noFaRatio, 2)}× | ${f(r.f32KvShare * 100)} % | ${f(r.exactMs)} (${f(r.exactRatio, 2)}×) | ${f(r.fastRatio, 2)}× | ${f(r.exactMapRatio, 2)}× | ${f(r.exactMapSurprisalRatio, 2)}× | ${f(r.editMs)} (${r.editTokensEvaluated}, ${f(r.editFractionOfFull * 100, 1)} %) | ${r.fastEditTokensEvaluated}, ${f(r.fastEditFractionOfFull * 100, 1)} % | ${f(r.analysisProcessLoopMaxMs, 1)} / ${f(r.hostLoopMaxMs, 1)} | ${f(r.benchProcessPeakRssMiB)} / ${f(r.workerPeakRssMiB)} (${f(r.oneBatchOfLogitsMiB, 1)}) |`),
    '',
    windowed === null ? '' : `Longer than the context (${windowed.windows}, context ${WINDOW_CONTEXT}): full ${f(windowed.fullMs)} ms (${windowed.fullTokensEvaluated} tokens evaluated); edit in the last window ${f(windowed.editMs)} ms (${windowed.editTokensEvaluated} tokens, ${f((windowed.editFractionOfFull as number) * 100, 1)} % of full).`,
    '',
    'plain = one controlledEvaluate with llama.cpp\'s defaults (flash attention on, F16 KV); no FA ×plain = flash attention off, F16 KV; F32 KV share = the part of flash-attention-off plain evaluation that the F32 cache adds.',
    'exact heatmap = the default analysis (flash attention off, F32 KV: within 1e-3 bits); fast = kvCache f16 (flash attention on, F16 KV: ≈ 1e-2 bits); both evaluate in batches of their geometry (docs/runtime.md, npm run bench:geometry), so an edit equals a fresh pass bit for bit.',
    'exact-map = the route without the native addon (a whole-vocabulary Map per position); exact-map surprisal = its reading for the surprisal metric (two filtered logits and the total logit weight per position: no entropy, rank or alternatives); loop max = the longest event-loop block in the analysing process / in the client (extension host view).',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const outDir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'latest.json'), `${JSON.stringify({ date: new Date().toISOString(), cpu: os.cpus()[0]?.model, threads: THREADS, repeats: REPEATS, load: os.loadavg(), results, windowed }, null, 2)}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
