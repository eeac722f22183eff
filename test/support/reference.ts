/**
 * Independent reference computations straight on node-llama-cpp: a fresh context
 * per call (no KV reuse), full logit vectors, float64 log-softmax, and O(n²)
 * cumulative detokenization for offsets.
 */
import { LOG2E } from '../../src/core/bits';
import { logitStats } from './logitStats';

export interface ReferenceRow {
  readonly entropy: number;
  readonly surprisal: number;
  readonly rank: number;
  readonly topIds: number[];
  /** ln p of every vocabulary entry (float64 log-softmax). */
  readonly lnp: Float64Array;
}

export interface Reference {
  readonly tokens: number[];
  readonly bos: boolean;
  /** rows[j]: the distribution for document token j (undefined where nothing predicts it). */
  readonly rows: Array<ReferenceRow | undefined>;
  readonly spans: Array<{ start: number; end: number }>;
}

type NodeLlamaCpp = typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } });
let llamaInstance: Promise<Awaited<ReturnType<NodeLlamaCpp['getLlama']>>> | undefined;

export async function reference(modelPath: string, text: string, topK: number): Promise<Reference> {
  llamaInstance ??= import('node-llama-cpp').then(({ getLlama, LlamaLogLevel }) => getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error }));
  const llama = await llamaInstance;
  const model = await llama.loadModel({ modelPath });
  try {
    const tokens = model.tokenize(text, false);
    const bos = model.tokens.shouldPrependBosToken && model.tokens.bos !== null;
    const seq = bos ? [model.tokens.bos!, ...tokens] : [...tokens];
    // Same kernels and KV precision as the runtime (flash attention off, F32 cache), but a fresh context and one batch.
    const context = await model.createContext({
      contextSize: Math.max(512, seq.length + 8), threads: 2, flashAttention: false,
      experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32',
    });
    const rows: Array<ReferenceRow | undefined> = new Array(tokens.length).fill(undefined);
    try {
      const sequence = context.getSequence();
      const items = seq.map((t) => [t, { generateNext: { logits: true } }] as [typeof t, { generateNext: { logits: true } }]);
      await sequence.controlledEvaluate(items, {
        onTokenResult(i, result) {
          const j = i + 1 - (bos ? 1 : 0);
          if (j >= tokens.length) return;
          const map = result.next.logits!;
          const logits = new Float64Array(map.size);
          for (const [id, l] of map) logits[id] = l;
          const { maxLogit, lnZ, entropyBits } = logitStats(logits);
          const lNext = logits[tokens[j]];
          let greater = 0;
          for (let v = 0; v < logits.length; v++) if (logits[v] > lNext) greater++;
          const topIds = [...logits.keys()].sort((a, b) => logits[b] - logits[a]).slice(0, topK);
          const lnp = logits.map((l) => l - maxLogit - lnZ);
          rows[j] = { entropy: entropyBits, surprisal: -(lNext - maxLogit - lnZ) * LOG2E, rank: greater + 1, topIds, lnp };
        },
      });
    } finally {
      await context.dispose();
    }
    const spans: Array<{ start: number; end: number }> = [];
    let prev = 0;
    for (let i = 0; i < tokens.length; i++) {
      let s = model.detokenize(tokens.slice(0, i + 1), false);
      while (s.endsWith('\uFFFD') && text.charCodeAt(s.length - 1) !== 0xfffd) s = s.slice(0, -1);
      spans.push({ start: prev, end: Math.max(prev, s.length) });
      prev = Math.max(prev, s.length);
    }
    return { tokens, bos, rows, spans };
  } finally {
    await model.dispose();
  }
}

/** Token ids of `text` without BOS, from the model's own tokenizer (its vocabulary only). */
export async function tokenize(modelPath: string, text: string): Promise<number[]> {
  llamaInstance ??= import('node-llama-cpp').then(({ getLlama, LlamaLogLevel }) => getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error }));
  const model = await (await llamaInstance).loadModel({ modelPath, vocabOnly: true });
  try {
    return [...model.tokenize(text, false)];
  } finally {
    await model.dispose();
  }
}

/** The distribution after one position of a token sequence: ln p of every vocabulary entry, and its entropy. */
export interface ReferenceNext {
  readonly lnp: Float64Array;
  readonly entropy: number;
}

/**
 * The distributions after positions `from`..end of `tokens` (ids, BOS included when
 * wanted), from a fresh context in one batch: for continuations, whose tokens are
 * not a tokenization of any text.
 */
export async function referenceAfter(modelPath: string, tokens: readonly number[], from: number): Promise<ReferenceNext[]> {
  llamaInstance ??= import('node-llama-cpp').then(({ getLlama, LlamaLogLevel }) => getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error }));
  const model = await (await llamaInstance).loadModel({ modelPath });
  try {
    return await rowsAfter(model, tokens, from);
  } finally {
    await model.dispose();
  }
}

type LlamaModel = Awaited<ReturnType<Awaited<NonNullable<typeof llamaInstance>>['loadModel']>>;
/** Models kept loaded by {@link referenceAfterShared}, by path. */
const sharedModels = new Map<string, Promise<LlamaModel>>();

/**
 * {@link referenceAfter} with the model's weights loaded once per path (until
 * {@link disposeReferenceModels}); every call still evaluates in a fresh context.
 * For tests that check many sequences on a model whose vocabulary takes seconds to load.
 */
export async function referenceAfterShared(modelPath: string, tokens: readonly number[], from: number): Promise<ReferenceNext[]> {
  llamaInstance ??= import('node-llama-cpp').then(({ getLlama, LlamaLogLevel }) => getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error }));
  const ready = llamaInstance;
  if (!sharedModels.has(modelPath)) sharedModels.set(modelPath, ready.then((l) => l.loadModel({ modelPath })));
  return rowsAfter(await sharedModels.get(modelPath)!, tokens, from);
}

/** Unload the models {@link referenceAfterShared} kept. */
export async function disposeReferenceModels(): Promise<void> {
  const loaded = [...sharedModels.values()];
  sharedModels.clear();
  for (const m of loaded) await (await m).dispose();
}

async function rowsAfter(model: LlamaModel, tokens: readonly number[], from: number): Promise<ReferenceNext[]> {
  const context = await model.createContext({
    contextSize: Math.max(512, tokens.length + 8), threads: 2, flashAttention: false,
    experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32',
  });
  const out: ReferenceNext[] = [];
  try {
    type T = Parameters<typeof model.detokenize>[0][number];
    const items = tokens.map((t, i) => (i >= from ? [t as T, { generateNext: { logits: true } }] as [T, { generateNext: { logits: true } }] : t as T));
    await context.getSequence().controlledEvaluate(items, {
      onTokenResult(i, result) {
        if (i < from) return;
        const map = result.next.logits!;
        const logits = new Float64Array(map.size);
        for (const [id, l] of map) logits[id] = l;
        const { maxLogit, lnZ, entropyBits } = logitStats(logits);
        out[i - from] = { lnp: logits.map((l) => l - maxLogit - lnZ), entropy: entropyBits };
      },
    });
  } finally {
    await context.dispose();
  }
  return out;
}

/** A model's BOS (as prepended), its EOS, and the tokens of `text` (no BOS), from its own tokenizer. */
export async function tokenFacts(modelPath: string, text: string): Promise<{ bos: number[]; eos: number | null; tokens: number[] }> {
  llamaInstance ??= import('node-llama-cpp').then(({ getLlama, LlamaLogLevel }) => getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error }));
  const model = await (await llamaInstance).loadModel({ modelPath, vocabOnly: true });
  try {
    const bos = model.tokens.shouldPrependBosToken && model.tokens.bos !== null ? [model.tokens.bos] : [];
    return { bos, eos: model.tokens.eos, tokens: [...model.tokenize(text, false)] };
  } finally {
    await model.dispose();
  }
}

/**
 * Reference rows for a token sequence evaluated as given (BOS only where the
 * sequence has one): rows[j] is the distribution that predicts `tokens[j]`
 * (undefined for the first token, which nothing predicts). For the chat
 * heatmap, whose tokens come from a chat template rather than from one text.
 */
export async function referenceSequence(modelPath: string, tokens: readonly number[], topK: number): Promise<Array<ReferenceRow | undefined>> {
  const after = await referenceAfter(modelPath, tokens, 0);
  return tokens.map((t, j) => {
    if (j === 0) return undefined;
    const { lnp, entropy } = after[j - 1];
    let greater = 0;
    for (let v = 0; v < lnp.length; v++) if (lnp[v] > lnp[t]) greater++;
    const topIds = [...lnp.keys()].sort((a, b) => lnp[b] - lnp[a]).slice(0, topK);
    return { entropy, surprisal: -lnp[t] * LOG2E, rank: greater + 1, topIds, lnp };
  });
}
