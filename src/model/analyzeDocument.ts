/**
 * A whole document through the runtime, as the editor and the CLI both analyse
 * it: front matter is cut off (the model never sees it), the body is analysed,
 * and the token offsets are moved back into the document's coordinates.
 */
import type { Analysis, ModelInfo, Reading, TokenStat } from '../core/analysis';
import { modelText, shiftAnalysis } from '../core/modelText';
import type { ModelRuntime, RequestOptions } from './runtimeClient';

/** Analyse `text` (a whole document) with `topK` alternatives per token, computing what `needs` says (runtimeProtocol.ts AnalyzeSpec). */
export async function analyzeDocument(runtime: Pick<ModelRuntime, 'analyze'>, text: string, topK: number, options: RequestOptions = {}, needs: Reading = 'all'): Promise<Analysis> {
  const { body, offset } = modelText(text);
  const onPartial = options.onPartial;
  const shifted = offset === 0 || onPartial === undefined ? options
    : { ...options, onPartial: (tokens: readonly TokenStat[], model: ModelInfo) => onPartial(tokens.map((t) => ({ ...t, start: t.start + offset, end: t.end + offset })), model) };
  return shiftAnalysis(await runtime.analyze({ text: body, topK, needs }, shifted), offset, text);
}
