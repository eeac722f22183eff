/**
 * Builds SentencePiece-style ("llama") vocabularies for generated GGUF models:
 * control tokens, optional byte-fallback tokens, single characters, then longer
 * pieces whose every prefix is also a piece (SPM merges pairs, so a piece is only
 * reachable through its prefixes).
 */

/** llama.cpp token types. */
export const TokenType = { normal: 1, unknown: 2, control: 3, byte: 6 } as const;

/** A vocabulary as GGUF stores it. */
export interface SpmVocab {
  readonly tokens: readonly string[];
  readonly scores: Float32Array;
  readonly types: Int32Array;
  readonly bosId: number;
  readonly eosId: number;
  readonly unkId: number;
}

export interface SpmVocabOptions {
  /** Target vocabulary size; pieces are generated until it is reached. */
  readonly size: number;
  /** Include the 256 `<0xXX>` byte tokens, so any text can be encoded. */
  readonly byteFallback: boolean;
  /** Words whose pieces come first (with a leading `▁` as SPM writes them). */
  readonly words?: readonly string[];
}

const SPACE = '\u2581';
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** Common words so that prompts tokenize into word-sized pieces. */
export const COMMON_WORDS: readonly string[] = [
  'the', 'a', 'an', 'and', 'of', 'to', 'in', 'is', 'it', 'that', 'was', 'for', 'on', 'with', 'as',
  'input', 'output', 'question', 'answer', 'example', 'label', 'positive', 'negative', 'text',
  'once', 'upon', 'time', 'there', 'girl', 'boy', 'dog', 'cat', 'happy', 'sad', 'good', 'bad',
  'heads', 'tails', 'coin', 'flip', 'yes', 'no', 'true', 'false', 'review', 'movie', 'great',
];

/** Build a vocabulary of exactly `options.size` tokens (or throw if too small). */
export function buildSpmVocab(options: SpmVocabOptions): SpmVocab {
  const tokens: string[] = ['<unk>', '<s>', '</s>'];
  const types: number[] = [TokenType.unknown, TokenType.control, TokenType.control];
  const seen = new Set(tokens);
  const add = (piece: string, type: number): void => {
    if (tokens.length >= options.size || seen.has(piece)) return;
    seen.add(piece);
    tokens.push(piece);
    types.push(type);
  };
  if (options.byteFallback) {
    for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, TokenType.byte);
  }
  // llama.cpp looks up the newline token when it loads an SPM vocabulary.
  if (!options.byteFallback) add('\n', TokenType.normal);
  add(SPACE, TokenType.normal);
  for (let c = 0x21; c < 0x7f; c++) add(String.fromCharCode(c), TokenType.normal);
  for (const word of options.words ?? COMMON_WORDS) {
    const piece = SPACE + word;
    for (let end = 2; end <= piece.length; end++) add(piece.slice(0, end), TokenType.normal);
  }
  // Letter n-grams, with and without the word-start marker, until the size is reached.
  let grams: string[] = [...LETTERS];
  while (tokens.length < options.size) {
    const next: string[] = [];
    for (const g of grams) {
      add(SPACE + g, TokenType.normal);
      for (const l of LETTERS) {
        next.push(g + l);
        add(g + l, TokenType.normal);
      }
      if (tokens.length >= options.size) break;
    }
    grams = next;
  }
  if (tokens.length !== options.size) throw new Error(`vocabulary size ${options.size} is too small`);
  // Earlier pieces merge first: a higher score wins in SPM.
  const scores = new Float32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) scores[i] = types[i] === TokenType.normal ? -i : 0;
  return { tokens, scores, types: Int32Array.from(types), bosId: 1, eosId: 2, unkId: 0 };
}
