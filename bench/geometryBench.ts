/**
 * Evaluation-geometry benchmark: `npm run bench:geometry`.
 *
 * On the 135M random benchmark model (49,152-token vocabulary, 2 threads), for
 * the exact setting (flash attention off, F32 KV cache) and the fast one (flash
 * attention on, F16 KV), through node-llama-cpp directly:
 * - plain evaluation time of N tokens by batch size;
 * - whether each geometry's logits (three probe tokens at every position, as
 *   node-llama-cpp returns them) equal those of 64-token batches bit for bit:
 *   other batch sizes, unaligned starts, and a short last batch on either side
 *   of each setting's minimum batch (src/model/worker/evaluationGeometry.ts);
 * - the cost over plain evaluation (logits of the last position only) of logits
 *   at every position, then of the native row statistics on them, in the
 *   setting's own batch.
 * Ratios are taken within one run. Prints a table and writes
 * bench/results/geometry.json.
 *
 * Knobs: BENCH_GEOMETRY_N (tokens, default 2048), BENCH_REPEATS (default 2;
 * the fastest repeat counts), BENCH_GEOMETRY_BATCHES (batch sizes timed,
 * default 64,128,256,512 and N).
 */
import * as fs from 'node:fs';
import type { LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import * as os from 'node:os';
import * as path from 'node:path';
import { evaluationGeometry, type EvaluationGeometry } from '../src/model/worker/evaluationGeometry';
import { loadRowStatsAddon } from '../src/model/worker/rowStatsAddon';
import { ensurePresetModel } from '../tools/modelFiles';
import { promptText, timeIt } from './benchCommon';

const ROOT = path.resolve(__dirname, '..', '..');
const THREADS = 2;
const N = Number(process.env.BENCH_GEOMETRY_N ?? 2048);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 2);
const BATCHES = [...new Set((process.env.BENCH_GEOMETRY_BATCHES ?? `64,128,256,512,${N}`).split(',').filter((x) => x.trim() !== '').map(Number))];
/** Positions whose logits the equality check compares (the check evaluates them once per geometry). */
const M = Math.min(N, 1024);

const SETTINGS = {
  exact: { kvCache: 'f32' as const, options: { flashAttention: false, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32' } as const },
  fast: { kvCache: 'f16' as const, options: { flashAttention: true } as const },
};

/** node-llama-cpp internals the native row statistics use (as NativeRowScorer does). */
interface Internals {
  _tokenMeter: unknown;
  _decodeTokens(tokens: Token[], logits: boolean[], priority: number, meter: unknown, shift: unknown, mapper: (batchIndex: number, tokenIndex: number) => void): Promise<unknown>;
}
const NO_SHIFT = { size: 0, strategy: () => { throw new Error('context shift'); } };

/** Boundaries [0, g, 2g, …, to] from `from` (itself preceded by 0 when not 0). */
function grid(g: number, to: number, from = 0): number[] {
  const out = from > 0 ? [0, from] : [0];
  for (let s = from + g; s < to; s += g) out.push(s);
  out.push(to);
  return out;
}

/** 64-token batches, then a last batch of `last` tokens (the one before gives them up). */
function shortLast(last: number, to: number): number[] {
  const out = grid(64, to - last).slice(0, -1);
  return [...out, to - last, to];
}

async function erase(sequence: LlamaContextSequence): Promise<void> {
  await sequence.eraseContextTokenRanges([{ start: 0, end: sequence.nextTokenIndex }]);
}

/** The probe logits at every position [0, to) evaluated in batches between `bounds`. */
async function probeLogits(sequence: LlamaContextSequence, tokens: Token[], probe: Token[], bounds: number[]): Promise<number[][]> {
  await erase(sequence);
  const out: number[][] = [];
  for (let b = 0; b + 1 < bounds.length; b++) {
    const s = bounds[b];
    const items = tokens.slice(s, bounds[b + 1]).map((t) => [t, { generateNext: { logits: { filter: { tokens: probe } } } }] as [Token, { generateNext: { logits: { filter: { tokens: Token[] } } } }]);
    await sequence.controlledEvaluate(items, {
      onTokenResult(i, r) {
        const logits = r.next.logits;
        if (logits === undefined) throw new Error('node-llama-cpp returned no logits');
        out[s + i] = probe.map((id) => logits.get(id) ?? NaN);
      },
    });
  }
  return out;
}

async function measureSetting(model: LlamaModel, name: keyof typeof SETTINGS, tokens: Token[]): Promise<Record<string, unknown>> {
  const setting = SETTINGS[name];
  const geometry: EvaluationGeometry = evaluationGeometry(setting.kvCache);
  const context: LlamaContext = await model.createContext({ contextSize: Math.max(N + 64, 1024), threads: THREADS, sequences: 1, batchSize: Math.max(N, ...BATCHES), ...setting.options });
  const sequence = context.getSequence();

  // Plain evaluation by batch size: the fastest of the repeats, after one pass that warms up.
  await sequence.controlledEvaluate(tokens.slice(0, Math.min(N, 256)));
  const plainMs: Record<number, number> = {};
  for (let r = 0; r < REPEATS; r++) {
    for (const g of BATCHES) {
      await erase(sequence);
      const ms = await timeIt(async () => { for (let s = 0; s < N; s += g) await sequence.controlledEvaluate(tokens.slice(s, Math.min(N, s + g))); });
      plainMs[g] = Math.min(plainMs[g] ?? Infinity, ms);
    }
  }

  // Equality of the logits with 64-token batches, per geometry.
  const probe = [tokens[5], tokens[9], 100 as Token];
  const reference = await probeLogits(sequence, tokens, probe, grid(64, M));
  const min = geometry.minBatch;
  const last = (bounds: number[]) => bounds[bounds.length - 1] - bounds[bounds.length - 2];
  const batches = (g: number, from = 0) => { const b = grid(g, M, from); return [`${g}-token batches${from > 0 ? ` from ${from}` : ''} (last ${last(b)})`, b] as const; };
  const geometries: Record<string, number[]> = Object.fromEntries([
    batches(128), batches(256), batches(96), batches(37), batches(geometry.batch, 100),
    [`one batch of ${M}`, [0, M]],
    [`64-token batches, last ${min - 1} (under the minimum)`, shortLast(min - 1, M)],
    [`64-token batches, last ${min} (the minimum)`, shortLast(min, M)],
  ]);
  const equality: Array<{ geometry: string; rowsDiffering: number; maxAbsLogitDelta: number }> = [];
  for (const [label, bounds] of Object.entries(geometries)) {
    const logits = await probeLogits(sequence, tokens, probe, bounds);
    let rowsDiffering = 0;
    let maxAbsLogitDelta = 0;
    for (let i = 0; i < M; i++) {
      if (logits[i].some((x, j) => x !== reference[i][j])) rowsDiffering++;
      for (let j = 0; j < probe.length; j++) maxAbsLogitDelta = Math.max(maxAbsLogitDelta, Math.abs(logits[i][j] - reference[i][j]));
    }
    equality.push({ geometry: label, rowsDiffering, maxAbsLogitDelta });
  }

  // Logits at every position, then the native row statistics on them, over plain, in the geometry's batch.
  const addon = loadRowStatsAddon(path.join(ROOT, 'dist'));
  const internal = sequence as unknown as Internals;
  const handle = typeof addon === 'string' ? addon : addon.attach((context as unknown as { _ctx: unknown })._ctx, (model as unknown as { _model: unknown })._model, context.contextSize);
  const stats = new Float64Array(6 + 2 * 10);
  const readings = {
    lastOnly: (s: number, e: number) => tokens.slice(s, e).map((_, k) => s + k === N - 1),
    allLogits: (s: number, e: number) => tokens.slice(s, e).map(() => true),
    rowStats: (s: number, e: number) => tokens.slice(s, e).map(() => true),
  };
  const readingMs: Record<string, number> = {};
  for (let r = 0; r < REPEATS; r++) {
    for (const [reading, logits] of Object.entries(readings)) {
      if (reading === 'rowStats' && typeof handle === 'string') continue;
      await erase(sequence);
      const ms = await timeIt(async () => {
        for (let s = 0; s < N; s += geometry.batch) {
          const e = Math.min(N, s + geometry.batch);
          await internal._decodeTokens(tokens.slice(s, e), logits(s, e), 5, internal._tokenMeter, NO_SHIFT, (batchIndex, tokenIndex) => {
            if (reading === 'rowStats') (addon as Exclude<typeof addon, string>).rowStats(handle, batchIndex, tokens[s + tokenIndex + 1] ?? -1, 10, stats);
          });
        }
      });
      readingMs[reading] = Math.min(readingMs[reading] ?? Infinity, ms);
    }
  }
  await context.dispose();
  return {
    setting: name, batch: geometry.batch, minBatch: geometry.minBatch, plainMs, equality,
    lastOnlyMs: readingMs.lastOnly, allLogitsMs: readingMs.allLogits, rowStatsMs: readingMs.rowStats ?? null,
    rowStatsUnavailable: typeof handle === 'string' ? handle : undefined,
  };
}

async function main(): Promise<void> {
  const nlc = await import('node-llama-cpp');
  const llama = await nlc.getLlama({ gpu: false, build: 'never', logLevel: nlc.LlamaLogLevel.error });
  const modelPath = ensurePresetModel('bench', path.join(os.tmpdir(), 'icl-lens-bench-models', 'bench.gguf'));
  const model = await llama.loadModel({ modelPath });
  const text = promptText((t) => model.tokenize(t), N + 64);
  const tokens = [...(model.tokens.bos === null ? [] : [model.tokens.bos]), ...model.tokenize(text)].slice(0, N);
  if (tokens.length < N) throw new Error(`the prompt has ${tokens.length} tokens, fewer than ${N}`);
  const results: Array<Record<string, any>> = [];
  for (const name of ['exact', 'fast'] as const) {
    const row = await measureSetting(model, name, tokens);
    results.push(row);
    process.stderr.write(`${name}: ${JSON.stringify(row)}\n`);
  }
  await model.dispose();

  const f = (x: unknown, d = 0) => (typeof x !== 'number' ? '—' : x.toFixed(d));
  const lines = [
    `ICL Lens geometry benchmark — ${os.cpus()[0]?.model ?? 'cpu'}, ${THREADS} threads, 135M random llama (Q8_0, 49k vocabulary), ${N} tokens, fastest of ${REPEATS}; load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`,
    '',
    `| setting | ${BATCHES.map((g) => `batch ${g} ms`).join(' | ')} | logits everywhere ×plain | + row statistics ×plain |`,
    `|--|${BATCHES.map(() => '--:').join('|')}|--:|--:|`,
    ...results.map((r) => `| ${r.setting} (batch ${r.batch}, min ${r.minBatch}) | ${BATCHES.map((g) => f(r.plainMs[g])).join(' | ')} | ${f(r.allLogitsMs / r.lastOnlyMs, 2)}× | ${r.rowStatsMs === null ? `— (${r.rowStatsUnavailable})` : `${f(r.rowStatsMs / r.lastOnlyMs, 2)}×`} |`),
    '',
    `Logits against 64-token batches (first ${M} positions, three probe tokens each; 0 rows = bit for bit):`,
    '',
    '| setting | geometry | rows differing | max abs logit delta |',
    '|--|--|--:|--:|',
    ...results.flatMap((r) => (r.equality as Array<{ geometry: string; rowsDiffering: number; maxAbsLogitDelta: number }>).map((e) => `| ${r.setting} | ${e.geometry} | ${e.rowsDiffering} | ${e.maxAbsLogitDelta.toExponential(2)} |`)),
    '',
    'exact = flash attention off, F32 KV cache (the default); fast = flash attention on, F16 KV (kvCache f16). ×plain: evaluation in the setting\'s batch reading logits at every position (then the native row statistics on each) over reading the last position only.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const outDir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'geometry.json'), `${JSON.stringify({ date: new Date().toISOString(), cpu: os.cpus()[0]?.model, threads: THREADS, tokens: N, repeats: REPEATS, load: os.loadavg(), results }, null, 2)}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
