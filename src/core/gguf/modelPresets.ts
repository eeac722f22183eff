/**
 * Named generated models: the tiny ones the tests use and the realistic one the
 * benchmark uses. Each preset is fully determined by its seed.
 */
import { BENCH_SHAPE, buildRandomLlama, TINY_SHAPE } from './randomLlama';
import { buildSpmVocab, COMMON_WORDS } from './spmVocab';

export type ModelPreset = 'tiny' | 'tiny-no-byte-fallback' | 'tiny-merged-b' | 'bench';
export const MODEL_PRESETS: readonly ModelPreset[] = ['tiny', 'tiny-no-byte-fallback', 'tiny-merged-b', 'bench'];

/** GGUF bytes for a preset, as chunks to write in order. */
export function buildPresetModel(preset: ModelPreset): Uint8Array[] {
  switch (preset) {
    case 'tiny':
      return buildRandomLlama({
        name: 'icl-lens-tiny-random', shape: TINY_SHAPE, weightType: 'f32', seed: 7, outputScale: 4,
        vocab: buildSpmVocab({ size: 512, byteFallback: true }),
      });
    case 'tiny-no-byte-fallback':
      return buildRandomLlama({
        name: 'icl-lens-tiny-random-no-bytes', shape: TINY_SHAPE, weightType: 'f32', seed: 8, outputScale: 4,
        vocab: buildSpmVocab({ size: 300, byteFallback: false }),
      });
    case 'tiny-merged-b':
      // Like stories260K's vocabulary: " B" is one piece, " A" is not, so a space separator merges into one label only.
      return buildRandomLlama({
        name: 'icl-lens-tiny-random-merged-b', shape: TINY_SHAPE, weightType: 'f32', seed: 9, outputScale: 4,
        vocab: buildSpmVocab({ size: 512, byteFallback: true, words: [...COMMON_WORDS, 'B'] }),
      });
    case 'bench':
      return buildRandomLlama({
        name: 'icl-lens-bench-135m-random', shape: BENCH_SHAPE, weightType: 'q8_0', seed: 135,
        vocab: buildSpmVocab({ size: 49152, byteFallback: true }),
      });
  }
}
