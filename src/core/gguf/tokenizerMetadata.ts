/**
 * The `tokenizer.*` metadata a generated model carries: either built from a
 * SentencePiece-style vocabulary of our own, or copied key by key from a real
 * model's GGUF (llama.cpp ships vocab-only GGUFs of many tokenizers), so tests can
 * run real BPE vocabularies on random weights.
 */
import type { GgufValue } from './ggufFormat';
import type { GgufHeader } from './ggufReader';
import type { SpmVocab } from './spmVocab';

/** Tokenizer metadata ready to write, and the vocabulary size the weights must match. */
export interface LlamaTokenizer {
  readonly size: number;
  readonly metadata: ReadonlyArray<readonly [string, GgufValue]>;
}

/** The metadata llama.cpp reads for a SentencePiece ("llama") vocabulary. */
export function spmTokenizer(vocab: SpmVocab): LlamaTokenizer {
  const u32 = (value: number): GgufValue => ({ type: 'u32', value });
  return {
    size: vocab.tokens.length,
    metadata: [
      ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
      ['tokenizer.ggml.tokens', { type: 'string[]', value: vocab.tokens }],
      ['tokenizer.ggml.scores', { type: 'f32[]', value: vocab.scores }],
      ['tokenizer.ggml.token_type', { type: 'i32[]', value: vocab.types }],
      ['tokenizer.ggml.bos_token_id', u32(vocab.bosId)],
      ['tokenizer.ggml.eos_token_id', u32(vocab.eosId)],
      ['tokenizer.ggml.unknown_token_id', u32(vocab.unkId)],
      ['tokenizer.ggml.add_bos_token', { type: 'bool', value: true }],
      ['tokenizer.ggml.add_eos_token', { type: 'bool', value: false }],
    ],
  };
}

/** How `tokenizerFromGguf` may change what it copies. */
export interface CopiedTokenizerOptions {
  /** Replaces (or adds) `tokenizer.chat_template`. */
  readonly chatTemplate?: string;
}

/**
 * Every `tokenizer.*` entry of a parsed GGUF header (tokens, token types, merges,
 * scores, special ids, pre-tokenizer, chat template, ...), in file order. Throws
 * unless the header has a `tokenizer.ggml.tokens` string array.
 */
export function tokenizerFromGguf(header: Pick<GgufHeader, 'metadata'>, options: CopiedTokenizerOptions = {}): LlamaTokenizer {
  const tokens = header.metadata.get('tokenizer.ggml.tokens');
  if (tokens?.type !== 'string[]') throw new Error('the GGUF has no tokenizer.ggml.tokens string array to copy');
  const metadata: Array<readonly [string, GgufValue]> = [];
  for (const [key, value] of header.metadata) {
    if (!key.startsWith('tokenizer.')) continue;
    if (key === 'tokenizer.chat_template' && options.chatTemplate !== undefined) continue;
    metadata.push([key, value]);
  }
  if (options.chatTemplate !== undefined) metadata.push(['tokenizer.chat_template', { type: 'string', value: options.chatTemplate }]);
  return { size: tokens.value.length, metadata };
}
