/**
 * A llama-architecture GGUF with seeded random weights: realistic shapes for
 * benchmarks, tiny ones for tests. The numbers it produces are meaningless; the
 * cost of evaluating it and the shape of its output distributions are real.
 */
import { encodeF32, encodeGguf, encodeQ8_0, GgmlType, type GgufTensor, type GgufValue } from './ggufWriter';
import type { LlamaTokenizer } from './tokenizerMetadata';
import { mulberry32 } from '../seededRandom';

export interface RandomLlamaShape {
  readonly nEmbd: number;
  readonly nLayer: number;
  readonly nHead: number;
  readonly nHeadKv: number;
  readonly nFf: number;
  readonly contextLength: number;
}

export interface RandomLlamaOptions {
  readonly name: string;
  readonly shape: RandomLlamaShape;
  /** The tokenizer metadata to embed; its size sets the embedding and output rows. */
  readonly tokenizer: LlamaTokenizer;
  /** Weight encoding of the matrices (norms are always F32). */
  readonly weightType: 'f32' | 'q8_0';
  readonly seed: number;
  /** Multiplier on the output projection: larger spreads the next-token distributions. */
  readonly outputScale?: number;
}

/** 135M parameters, d 576, 30 layers, 9 heads (3 KV), SwiGLU 1536: the benchmark shape. */
export const BENCH_SHAPE: RandomLlamaShape = { nEmbd: 576, nLayer: 30, nHead: 9, nHeadKv: 3, nFf: 1536, contextLength: 8192 };
/** A shape small enough to generate and load in milliseconds, for tests. */
export const TINY_SHAPE: RandomLlamaShape = { nEmbd: 64, nLayer: 2, nHead: 4, nHeadKv: 2, nFf: 128, contextLength: 512 };


/** Encode a random llama model as GGUF byte chunks. */
export function buildRandomLlama(options: RandomLlamaOptions): Uint8Array[] {
  const { shape, tokenizer } = options;
  const rand = mulberry32(options.seed);
  const nVocab = tokenizer.size;
  const headDim = shape.nEmbd / shape.nHead;
  const nEmbdKv = headDim * shape.nHeadKv;
  const tensors: GgufTensor[] = [];
  const matrix = (name: string, cols: number, rows: number, std: number): void => {
    const values = new Float32Array(cols * rows);
    // Uniform on [-a, a] has standard deviation a / sqrt(3).
    const a = std * Math.sqrt(3);
    for (let i = 0; i < values.length; i++) values[i] = (rand() * 2 - 1) * a;
    const q8 = options.weightType === 'q8_0' && cols % 32 === 0;
    tensors.push({ name, dims: [cols, rows], type: q8 ? GgmlType.Q8_0 : GgmlType.F32, data: q8 ? encodeQ8_0(values) : encodeF32(values) });
  };
  const ones = (name: string, n: number): void => {
    tensors.push({ name, dims: [n], type: GgmlType.F32, data: encodeF32(new Float32Array(n).fill(1)) });
  };
  matrix('token_embd.weight', shape.nEmbd, nVocab, 1);
  for (let l = 0; l < shape.nLayer; l++) {
    const s = 1 / Math.sqrt(shape.nEmbd);
    ones(`blk.${l}.attn_norm.weight`, shape.nEmbd);
    matrix(`blk.${l}.attn_q.weight`, shape.nEmbd, shape.nEmbd, s);
    matrix(`blk.${l}.attn_k.weight`, shape.nEmbd, nEmbdKv, s);
    matrix(`blk.${l}.attn_v.weight`, shape.nEmbd, nEmbdKv, s);
    matrix(`blk.${l}.attn_output.weight`, shape.nEmbd, shape.nEmbd, s);
    ones(`blk.${l}.ffn_norm.weight`, shape.nEmbd);
    matrix(`blk.${l}.ffn_gate.weight`, shape.nEmbd, shape.nFf, s);
    matrix(`blk.${l}.ffn_up.weight`, shape.nEmbd, shape.nFf, s);
    matrix(`blk.${l}.ffn_down.weight`, shape.nFf, shape.nEmbd, 1 / Math.sqrt(shape.nFf));
  }
  ones('output_norm.weight', shape.nEmbd);
  matrix('output.weight', shape.nEmbd, nVocab, (options.outputScale ?? 1) / Math.sqrt(shape.nEmbd));

  const u32 = (value: number): GgufValue => ({ type: 'u32', value });
  const metadata: Array<readonly [string, GgufValue]> = [
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: options.name }],
    ['general.alignment', u32(32)],
    ['llama.context_length', u32(shape.contextLength)],
    ['llama.embedding_length', u32(shape.nEmbd)],
    ['llama.block_count', u32(shape.nLayer)],
    ['llama.feed_forward_length', u32(shape.nFf)],
    ['llama.attention.head_count', u32(shape.nHead)],
    ['llama.attention.head_count_kv', u32(shape.nHeadKv)],
    ['llama.rope.dimension_count', u32(headDim)],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'f32', value: 1e-5 }],
    ['llama.vocab_size', u32(nVocab)],
    ...tokenizer.metadata,
  ];
  return encodeGguf(metadata, tensors);
}
