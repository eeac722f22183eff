/**
 * A whole document through the runtime, as the editor and the CLI both analyse
 * it: front matter is cut off (the model never sees it), the body is analysed,
 * and the token offsets are moved back into the document's coordinates.
 */
import type { Analysis, ModelInfo, Reading, TokenStat } from '../core/analysis';
import { modelText, shiftAnalysis } from '../core/modelText';
import type { ModelRuntime, RequestOptions } from './runtimeClient';
import type { TextRange } from './runtimeProtocol';

export interface DocumentRequestOptions extends RequestOptions {
  /** Ranges of the document the user sees (offsets in the whole text): analysed first where the text is windowed. */
  readonly priority?: readonly TextRange[];
}

/** Analyse `text` (a whole document) with `topK` alternatives per token, computing what `needs` says (runtimeProtocol.ts AnalyzeSpec). */
export async function analyzeDocument(runtime: Pick<ModelRuntime, 'analyze'>, text: string, topK: number, options: DocumentRequestOptions = {}, needs: Reading = 'all'): Promise<Analysis> {
  const { body, offset } = modelText(text);
  const { priority, ...request } = options;
  const onPartial = request.onPartial;
  const shifted = offset === 0 || onPartial === undefined ? request
    : { ...request, onPartial: (tokens: readonly TokenStat[], model: ModelInfo, from: number) => onPartial(tokens.map((t) => ({ ...t, start: t.start + offset, end: t.end + offset })), model, from) };
  const ranges = bodyRanges(priority, offset, body.length);
  return shiftAnalysis(await runtime.analyze({ text: body, topK, needs, ...(ranges.length > 0 ? { priority: ranges } : {}) }, shifted), offset, text);
}

/** `ranges` of the whole text as ranges of the body starting at `offset` (front matter cut off), empty ones dropped. */
function bodyRanges(ranges: readonly TextRange[] | undefined, offset: number, length: number): TextRange[] {
  const clamp = (n: number) => Math.min(length, Math.max(0, n - offset));
  return (ranges ?? []).map((r) => ({ start: clamp(r.start), end: clamp(r.end) })).filter((r) => r.end > r.start);
}
