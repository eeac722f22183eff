/**
 * The parts of a few-shot prompt (docs/numbers.md): an optional header,
 * examples E_1..E_K (each an input and an output) and a query Q (input, output
 * marker, optionally the expected output). Offsets are UTF-16 offsets into the
 * whole document, front matter included, so the editor can use them directly.
 */
import type { ChatDocument, ChatForm, ChatTurn } from '../chat/chatTypes';
import type { AnalyticReference } from './analyticReference';
import type { FrontMatterDiagnostic } from './frontMatter';

/** How the examples are written: in a text prompt (markers, arrows, blocks, a separator) or as a chat's messages. */
export type FewShotShape = 'markers' | 'arrows' | 'blocks' | 'separator' | 'chat';

/**
 * One example. In a text prompt the document is partitioned: the header, then each example's
 * [start, end) (its trailing separator included), then the query, so the prompt
 * without example i is the document with [start, end) cut out.
 */
export interface ExampleSpan {
  readonly start: number;
  readonly end: number;
  readonly inputStart: number;
  readonly inputEnd: number;
  /** Right after the output marker: the output keeps its leading space (a chat: the assistant message's content). */
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
  /**
   * The expected answer of the query (front matter, else the query's written
   * output). Sources named 'front matter' are declared options: a text
   * prompt's front matter, or a chat file's front matter or top-level fields.
   */
  readonly target: string | null;
  readonly targetSource: 'front matter' | 'document' | null;
  readonly candidates: readonly Candidate[];
  readonly candidatesSource: 'front matter' | 'example labels' | null;
  readonly formatClass: string | null;
  readonly contentFree: string;
  readonly reference: AnalyticReference | null;
  readonly lengthNormalize: boolean;
  /** Shape 'chat' only: the messages the model's contexts are built from. */
  readonly chat?: ChatFewShot;
}

/**
 * A chat's few-shot reading (core/chat/chatFewShot.ts): the system messages at
 * the start, the examples as user/assistant pairs and the query as the final
 * user message, with their contents decoded (a JSON file's escapes resolved),
 * since the model receives the contents rendered by its chat template, not the
 * file's text. The structure's spans place the same messages in the document:
 * an example runs from its user message's start to its assistant message's
 * end, its input is the user content and its output the assistant content.
 */
export interface ChatFewShot {
  readonly form: ChatForm;
  /** The system messages before the first example, kept at the start of every context. */
  readonly system: readonly ChatTurn[];
  /** Each example's user and assistant content, parallel to the structure's `examples`. */
  readonly pairs: ReadonlyArray<{ readonly user: string; readonly assistant: string }>;
  /** The final user message's content. */
  readonly query: string;
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
  /** A chat file's messages, when the document is one (its own diagnostics are the parser's). */
  readonly chat?: ChatDocument;
  /**
   * A chat file only: whether it asks for a few-shot reading (few-shot fields or
   * front matter, a reply marked as the target), so the editor shows the
   * structure's warnings; a text prompt asks with front matter (bodyStart > 0).
   */
  readonly fewShotDeclared?: boolean;
}
