/**
 * The texts the model sees, composed from a document and its few-shot
 * structure: prefix_k = header + E_1..E_k + the query's input and output marker,
 * and the variants the probes need (examples left out, reordered, relabelled, a
 * content-free query). Front matter is never included.
 */
import type { ExampleSpan, FewShotStructure } from './fewShotStructure';

export interface PromptVariant {
  /** Indices of the examples to include, in order. */
  readonly examples: readonly number[];
  /** Replacement outputs by example index (random-labels probe). */
  readonly outputs?: ReadonlyMap<number, string>;
  /** Replacement for the query's input text (calibration probe). */
  readonly queryInput?: string;
}

/** The model's context before the answer, for `variant`. */
export function promptBeforeAnswer(text: string, s: FewShotStructure, variant: PromptVariant): string {
  let out = text.slice(s.header.start, s.header.end);
  for (const i of variant.examples) out += exampleText(text, s.examples[i], variant.outputs?.get(i));
  const q = s.query;
  if (variant.queryInput === undefined) {
    out += text.slice(q.start, q.outputStart);
  } else {
    // Keep the input's leading whitespace (after a marker) so only the content changes.
    const original = text.slice(q.inputStart, q.inputEnd);
    const lead = /^\s*/.exec(original)![0];
    out += text.slice(q.start, q.inputStart) + lead + variant.queryInput + text.slice(q.inputEnd, q.outputStart);
  }
  return q.appendNewline ? `${out}\n` : out;
}

/** prefix_k: the header, the first k examples and the query up to its answer. */
export function prefixK(text: string, s: FewShotStructure, k: number): string {
  return promptBeforeAnswer(text, s, { examples: range(k) });
}

/**
 * The context and continuation of example k's prequential code:
 * output_k given the header, E_1..E_{k−1} and input_k (k is 1-based).
 */
export function prequentialPair(text: string, s: FewShotStructure, k: number): { context: string; continuation: string } {
  let context = text.slice(s.header.start, s.header.end);
  for (let i = 0; i < k - 1; i++) context += exampleText(text, s.examples[i]);
  const e = s.examples[k - 1];
  return { context: context + text.slice(e.start, e.outputStart), continuation: exampleOutput(text, e) };
}

/** An example's output as written. */
export function exampleOutput(text: string, e: ExampleSpan): string {
  return text.slice(e.outputStart, e.outputEnd);
}

function exampleText(text: string, e: ExampleSpan, output?: string): string {
  if (output === undefined) return text.slice(e.start, e.end);
  return text.slice(e.start, e.outputStart) + output + text.slice(e.outputEnd, e.end);
}

/** [0, 1, …, n−1]. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
