/**
 * Named generated models: the tiny ones the tests use, the realistic one the
 * benchmark uses, and tiny ones carrying real BPE tokenizers copied from llama.cpp's
 * vocab-only GGUFs, some with a real chat template in `tokenizer.chat_template`
 * (chatTemplates.ts). Each preset is fully determined by its seed (and, for the BPE
 * ones, by the vocab file, which the pinned llama.cpp fixes).
 */
import { CHATML_TEMPLATE, LLAMA3_TEMPLATE, QWEN2_TEMPLATE } from './chatTemplates';
import { readGgufHeader } from './ggufReader';
import { BENCH_SHAPE, buildRandomLlama, TINY_SHAPE } from './randomLlama';
import { buildSpmVocab, COMMON_WORDS } from './spmVocab';
import { spmTokenizer, tokenizerFromGguf } from './tokenizerMetadata';

export type ModelPreset =
  | 'tiny' | 'tiny-1k' | 'tiny-alt' | 'tiny-no-byte-fallback' | 'tiny-merged-b' | 'bench' | 'bench-152k'
  | 'bpe-starcoder' | 'bpe-qwen2' | 'bpe-llama3'
  | 'chat-chatml' | 'chat-llama3' | 'chat-qwen2';
export const MODEL_PRESETS: readonly ModelPreset[] = [
  'tiny', 'tiny-1k', 'tiny-alt', 'tiny-no-byte-fallback', 'tiny-merged-b', 'bench', 'bench-152k',
  'bpe-starcoder', 'bpe-qwen2', 'bpe-llama3',
  'chat-chatml', 'chat-llama3', 'chat-qwen2',
];

/**
 * The llama.cpp vocab file a preset copies its tokenizer from: `models/ggml-vocab-<name>.gguf`
 * in the llama.cpp source. Presets not listed build their own vocabulary.
 */
export const PRESET_VOCABS: Readonly<Partial<Record<ModelPreset, string>>> = {
  'bpe-starcoder': 'starcoder',
  // The benchmark's shape with Qwen2's 151,936-token vocabulary: what a vocabulary of that size costs.
  'bench-152k': 'qwen2',
  'bpe-qwen2': 'qwen2',
  'bpe-llama3': 'llama-bpe',
  // Qwen3.5's vocabulary: <|im_start|> and <|im_end|> are control tokens there, as in qwen2's (no other vocab file has them).
  'chat-chatml': 'qwen35',
  'chat-llama3': 'llama-bpe',
  'chat-qwen2': 'qwen2',
};

/** The chat template a preset writes into `tokenizer.chat_template` (replacing the vocab file's own). */
export const PRESET_CHAT_TEMPLATES: Readonly<Partial<Record<ModelPreset, string>>> = {
  'chat-chatml': CHATML_TEMPLATE,
  'chat-llama3': LLAMA3_TEMPLATE,
  'chat-qwen2': QWEN2_TEMPLATE,
};

/**
 * GGUF bytes for a preset, as chunks to write in order. Presets in `PRESET_VOCABS`
 * need that vocab file's bytes as `vocabGguf` (core does no file I/O).
 */
export function buildPresetModel(preset: ModelPreset, vocabGguf?: Uint8Array): Uint8Array[] {
  const copied = (seed: number, weightType: 'f32' | 'q8_0'): Uint8Array[] => {
    if (vocabGguf === undefined) throw new Error(`preset ${preset} needs the bytes of ggml-vocab-${PRESET_VOCABS[preset]}.gguf`);
    return buildRandomLlama({
      name: `icl-lens-${preset}-random`, shape: TINY_SHAPE, weightType, seed, outputScale: 4,
      tokenizer: tokenizerFromGguf(readGgufHeader(vocabGguf), { chatTemplate: PRESET_CHAT_TEMPLATES[preset] }),
    });
  };
  switch (preset) {
    case 'tiny':
      return buildRandomLlama({
        name: 'icl-lens-tiny-random', shape: TINY_SHAPE, weightType: 'f32', seed: 7, outputScale: 4,
        tokenizer: spmTokenizer(buildSpmVocab({ size: 512, byteFallback: true })),
      });
    case 'tiny-1k':
      // The tiny model trained (by its metadata) on 1,024-token contexts: windows of four 256-token chunks.
      return buildRandomLlama({
        name: 'icl-lens-tiny-random-1k', shape: { ...TINY_SHAPE, contextLength: 1024 }, weightType: 'f32', seed: 7, outputScale: 4,
        tokenizer: spmTokenizer(buildSpmVocab({ size: 512, byteFallback: true })),
      });
    case 'tiny-alt':
      // The tiny model's tokenizer with other weights: two models that share a vocabulary (model comparison).
      return buildRandomLlama({
        name: 'icl-lens-tiny-random-alt', shape: TINY_SHAPE, weightType: 'f32', seed: 11, outputScale: 4,
        tokenizer: spmTokenizer(buildSpmVocab({ size: 512, byteFallback: true })),
      });
    case 'tiny-no-byte-fallback':
      return buildRandomLlama({
        name: 'icl-lens-tiny-random-no-bytes', shape: TINY_SHAPE, weightType: 'f32', seed: 8, outputScale: 4,
        tokenizer: spmTokenizer(buildSpmVocab({ size: 300, byteFallback: false })),
      });
    case 'tiny-merged-b':
      // Like stories260K's vocabulary: " B" is one piece, " A" is not, so a space separator merges into one label only.
      return buildRandomLlama({
        name: 'icl-lens-tiny-random-merged-b', shape: TINY_SHAPE, weightType: 'f32', seed: 9, outputScale: 4,
        tokenizer: spmTokenizer(buildSpmVocab({ size: 512, byteFallback: true, words: [...COMMON_WORDS, 'B'] })),
      });
    case 'bench':
      return buildRandomLlama({
        name: 'icl-lens-bench-135m-random', shape: BENCH_SHAPE, weightType: 'q8_0', seed: 135,
        tokenizer: spmTokenizer(buildSpmVocab({ size: 49152, byteFallback: true })),
      });
    case 'bench-152k':
      if (vocabGguf === undefined) throw new Error('preset bench-152k needs the bytes of ggml-vocab-qwen2.gguf');
      return buildRandomLlama({
        name: 'icl-lens-bench-135m-random-152k', shape: BENCH_SHAPE, weightType: 'q8_0', seed: 152,
        tokenizer: tokenizerFromGguf(readGgufHeader(vocabGguf), {}),
      });
    // 49k rows stay small in F32 (25 MB) and keep the numbers free of quantization;
    // the 128k–152k vocabularies use Q8_0 so the files stay near 20 MB.
    case 'bpe-starcoder':
      return copied(49, 'f32');
    case 'bpe-qwen2':
      return copied(152, 'q8_0');
    case 'bpe-llama3':
      return copied(128, 'q8_0');
    // The chat models: the same tiny random weights on a real vocabulary, with a real chat template.
    case 'chat-chatml':
      return copied(1351, 'q8_0');
    case 'chat-llama3':
      return copied(1283, 'q8_0');
    case 'chat-qwen2':
      return copied(1522, 'q8_0');
  }
}
