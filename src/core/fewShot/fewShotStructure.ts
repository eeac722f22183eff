/**
 * The parts of a few-shot prompt (docs/numbers.md): an optional header,
 * examples E_1..E_K (each an input and an output) and a query Q (input, output
 * marker, optionally the expected output). Offsets are UTF-16 offsets into the
 * whole document, front matter included, so the editor can use them directly.
 */
import type { FrontMatterDiagnostic } from './frontMatter';

export type FewShotShape = 'markers' | 'arrows' | 'blocks' | 'separator';

/**
 * One example. The document is partitioned: the header, then each example's
 * [start, end) (its trailing separator included), then the query, so the prompt
 * without example i is the document with [start, end) cut out.
 */
export interface ExampleSpan {
  readonly start: number;
  readonly end: number;
  readonly inputStart: number;
  readonly inputEnd: number;
  /** Right after the output marker: the output keeps its leading space. */
  readonly outputStart: number;
  readonly outputEnd: number;
}

/**
 * The query: the same spans as an example, where `outputStart` is where the
 * answer begins (the model sees the text up to it) and `outputEnd` ends the
 * output written there, if any (trailing whitespace trimmed).
 */
export interface QuerySpan extends ExampleSpan {
  /** Block prompts whose query line has no line break after it: the break is added for the model. */
  readonly appendNewline: boolean;
}

export interface Candidate {
  readonly name: string;
  /** The continuation scored after the output marker, leading space included. */
  readonly text: string;
}

export interface FewShotStructure {
  readonly shape: FewShotShape;
  /** How the shape was decided: detected, or declared in front matter. */
  readonly declared: boolean;
  /** The input and output markers, where the shape has them. */
  readonly markers?: { readonly input: string; readonly output: string };
  readonly bodyStart: number;
  readonly header: { readonly start: number; readonly end: number };
  readonly examples: readonly ExampleSpan[];
  readonly query: QuerySpan;
  /** The expected answer of the query (front matter, else the query's written output). */
  readonly target: string | null;
  readonly targetSource: 'front matter' | 'document' | null;
  readonly candidates: readonly Candidate[];
  readonly candidatesSource: 'front matter' | 'example labels' | null;
  readonly formatClass: string | null;
  readonly contentFree: string;
  readonly reference: { readonly task: 'coin' | 'labels'; readonly alpha: number } | null;
  readonly lengthNormalize: boolean;
}

/** A problem found while parsing, placed at an offset (or a front-matter line). */
export interface StructureDiagnostic {
  readonly offset: number;
  readonly length: number;
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

export interface ParseResult {
  /** Null when no few-shot structure with a query could be found. */
  readonly structure: FewShotStructure | null;
  readonly diagnostics: readonly StructureDiagnostic[];
  readonly bodyStart: number;
  /** Front-matter problems by line, for the editor's diagnostics. */
  readonly frontMatterDiagnostics: readonly FrontMatterDiagnostic[];
}
