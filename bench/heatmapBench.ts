/**
 * Heatmap benchmark: `npm run bench`.
 *
 * Generates the random-weight benchmark model (135M parameters, d 576, 30 layers,
 * 49,152-token vocabulary, Q8_0) with the project's GGUF writer, then for 512- and
 * 2,048-token prompts on 2 threads measures: plain evaluation, the heatmap
 * analysis (exact entropy + surprisal + rank + top-10 in one pass) on the native
 * route and on the exact-map fallback, a one-line edit near the end re-analysed,
 * the event-loop delay of the process that runs the analysis and of the client
 * (the extension host's view), and peak memory. Prints a table and writes
 * bench/results/latest.json. Medians of REPEATS runs; the machine is noisy.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '../src/core/logger';
import { RuntimeClient } from '../src/model/runtimeClient';
import type { LoadSpec } from '../src/model/runtimeProtocol';
import { LlamaEngine } from '../src/model/worker/llamaEngine';
import { ensurePresetModel } from '../tools/modelFiles';

const ROOT = path.resolve(__dirname, '..', '..');
const THREADS = 2;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const SIZES = (process.env.BENCH_SIZES ?? '512,2048').split(',').map(Number);
const MAP_ROUTE_MAX_TOKENS = Number(process.env.BENCH_MAP_MAX ?? 512);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Few-shot-looking text of at least `tokens` tokens. */
function promptText(tokenize: (t: string) => number[], tokens: number): string {
  const subjects = ['the movie', 'this book', 'the service', 'our trip', 'the food', 'that song', 'the update', 'his answer'];
  const verdicts = ['was great', 'felt slow', 'made me happy', 'was a waste of time', 'surprised everyone', 'could be better'];
  let text = 'Classify the sentiment of each review.\n\n';
  for (let i = 0; tokenize(text).length < tokens; i++) {
    const positive = i % 3 !== 1;
    text += `Input: ${subjects[i % subjects.length]} ${verdicts[(i * 5) % verdicts.length]}, review ${i}.\nOutput: ${positive ? 'positive' : 'negative'}\n\n`;
  }
  // Trim whole lines until the count is just under the target, then pad with words.
  while (tokenize(text).length > tokens) text = text.slice(0, text.lastIndexOf(' '));
  return text;
}

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

/** The longest the event loop went without running a 2 ms timer, over the periods it was started. */
class LoopLag {
  private timer?: NodeJS.Timeout;
  private last = 0;
  max = 0;
  start(): void {
    this.last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      this.max = Math.max(this.max, now - this.last - 2);
      this.last = now;
    }, 2);
  }
  stop(): void {
    clearInterval(this.timer);
    this.max = Math.max(this.max, performance.now() - this.last - 2);
  }
}

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
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

async function main(): Promise<void> {
  const modelPath = ensurePresetModel('bench', path.join(os.tmpdir(), 'icl-lens-bench-models', 'bench.gguf'));
  const nlc = await import('node-llama-cpp');
  const llama = await nlc.getLlama({ gpu: false, build: 'never', logLevel: nlc.LlamaLogLevel.error });
  const baseModel = await llama.loadModel({ modelPath });
  const tokenize = (t: string) => baseModel.tokenize(t, false);
  const spec = (scorer: LoadSpec['scorer']): LoadSpec => ({ source: modelPath, downloadDir: os.tmpdir(), threads: THREADS, gpu: 'cpu', maxContextSize: 4096, scorer });
  const results: Record<string, unknown>[] = [];

  for (const size of SIZES) {
    const text = promptText(tokenize, size);
    const nTokens = tokenize(text).length + 1;
    const lastLine = text.lastIndexOf('Output:');
    const edited = `${text.slice(0, lastLine)}Output: neutral, on reflection${text.slice(lastLine + 'Output: positive'.length)}`;

    // Plain evaluation (one controlledEvaluate of the whole prompt, no logits, fresh KV)
    // and the analysis in this process (the worker's view), interleaved so that drift
    // in the machine's speed hits both alike; ratios are taken per pair.
    const context = await baseModel.createContext({ contextSize: 4096, threads: THREADS });
    const sequence = context.getSequence();
    // The analysis runs with flash attention off (batch-independent rounding) and an F32 KV cache
    // (exact probabilities): plain evaluation with those same settings, for reference.
    const contextNoFa = await baseModel.createContext({
      contextSize: 4096, threads: THREADS, flashAttention: false, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32',
    });
    const sequenceNoFa = contextNoFa.getSequence();
    const plainNoFa: number[] = [];
    const tokens = [baseModel.tokens.bos!, ...tokenize(text)];
    const engine = new LlamaEngine(nlc, path.join(ROOT, 'dist'), () => {});
    const never = new AbortController().signal;
    await engine.load(spec('auto'), never, () => {});
    const plain: number[] = [];
    const full: number[] = [];
    const edit: number[] = [];
    let editTokens = 0;
    let route = '';
    const loop = new LoopLag();
    const { peakMiB } = await peakRss(async () => {
      for (let r = 0; r < REPEATS; r++) {
        await sequence.eraseContextTokenRanges([{ start: 0, end: sequence.nextTokenIndex }]);
        plain.push(await timeIt(() => sequence.controlledEvaluate(tokens)));
        await sequenceNoFa.eraseContextTokenRanges([{ start: 0, end: sequenceNoFa.nextTokenIndex }]);
        plainNoFa.push(await timeIt(() => sequenceNoFa.controlledEvaluate(tokens)));
        // A change at the very start invalidates the cache but keeps the context's size.
        await engine.analyze({ text: `#${text}`, topK: 10 }, never, () => {});
        loop.start();
        full.push(await timeIt(async () => { route = (await engine.analyze({ text, topK: 10 }, never, () => {})).route.scorer; }));
        edit.push(await timeIt(async () => { editTokens = (await engine.analyze({ text: edited, topK: 10 }, never, () => {})).route.tokensEvaluated; }));
        loop.stop();
      }
    });
    const workerLoopMaxMs = loop.max;
    await engine.dispose();
    await context.dispose();
    await contextNoFa.dispose();

    // The exact-map fallback, for comparison (slow: only up to MAP_ROUTE_MAX_TOKENS).
    let mapMs: number | null = null;
    if (size <= MAP_ROUTE_MAX_TOKENS) {
      const mapEngine = new LlamaEngine(nlc, path.join(ROOT, 'dist'), () => {});
      await mapEngine.load(spec('exact-map'), never, () => {});
      mapMs = await timeIt(() => mapEngine.analyze({ text, topK: 10 }, never, () => {}));
      await mapEngine.dispose();
    }

    // Through the worker process, as the extension host runs it: the host's event loop.
    const client = new RuntimeClient({ workerPath: path.join(ROOT, 'dist', 'worker.js'), logger: silentLogger });
    client.setModel(spec('auto'));
    await client.ensureLoaded();
    const hostLoop = new LoopLag();
    hostLoop.start();
    const viaWorker = await timeIt(() => client.analyze({ text, topK: 10 }));
    hostLoop.stop();
    const workerPid = (client as unknown as { worker?: { pid?: number } }).worker?.pid;
    const workerPeak = workerPeakRssMiB(workerPid);
    await client.dispose();

    const plainMs = median(plain);
    const row = {
      tokens: nTokens,
      route,
      plainMs,
      heatmapMs: median(full),
      heatmapRatio: median(full.map((t, i) => t / plain[i])),
      plainNoFlashAttentionMs: median(plainNoFa),
      heatmapRatioToNoFlashAttention: median(full.map((t, i) => t / plainNoFa[i])),
      exactMapMs: mapMs,
      exactMapRatio: mapMs === null ? null : mapMs / plainMs,
      editMs: median(edit),
      editTokensEvaluated: editTokens,
      editFractionOfFull: median(edit.map((t, i) => t / full[i])),
      viaWorkerMs: viaWorker,
      analysisProcessLoopMaxMs: workerLoopMaxMs,
      hostLoopMaxMs: hostLoop.max,
      benchProcessPeakRssMiB: peakMiB,
      workerPeakRssMiB: workerPeak,
    };
    results.push(row);
    process.stderr.write(`${size}: ${JSON.stringify(row)}\n`);
  }
  await baseModel.dispose();

  const f = (x: number | null, d = 0) => (x === null ? '—' : x.toFixed(d));
  const lines = [
    `ICL Lens heatmap benchmark — ${os.cpus()[0]?.model ?? 'cpu'}, ${THREADS} threads, 135M random llama (49,152 vocab, Q8_0), median of ${REPEATS} (ratios: median of per-run ratios)`,
    '',
    '| tokens | plain ms | plain, no FA + F32 KV, ms | heatmap ms (×plain, ×no-FA) | exact-map ms (×plain) | edit ms (tokens, ×full) | loop max ms analysis / host | peak RSS MiB bench / worker |',
    '|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...results.map((r: any) => `| ${r.tokens} | ${f(r.plainMs)} | ${f(r.plainNoFlashAttentionMs)} | ${f(r.heatmapMs)} (${f(r.heatmapRatio, 2)}×, ${f(r.heatmapRatioToNoFlashAttention, 2)}×) | ${f(r.exactMapMs)} (${f(r.exactMapRatio, 1)}×) | ${f(r.editMs)} (${r.editTokensEvaluated}, ${f(r.editFractionOfFull * 100, 1)} %) | ${f(r.analysisProcessLoopMaxMs, 1)} / ${f(r.hostLoopMaxMs, 1)} | ${f(r.benchProcessPeakRssMiB)} / ${f(r.workerPeakRssMiB)} |`),
    '',
    'heatmap = one pass giving exact entropy, surprisal, rank and top-10 for every token (the surprisal and entropy heatmaps are the same pass).',
    'plain = one controlledEvaluate with default context options; no FA = the same with flash attention off and an F32 KV cache, as the analysis runs.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const outDir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'latest.json'), `${JSON.stringify({ date: new Date().toISOString(), cpu: os.cpus()[0]?.model, threads: THREADS, repeats: REPEATS, model: { preset: 'bench', path: modelPath }, results }, null, 2)}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
