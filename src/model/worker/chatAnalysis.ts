/**
 * The chat heatmap in the worker: the chat rendered by its template
 * (chatRender.ts), then every token the model receives analysed on the text
 * heatmap's own path (analysis.ts: prefix reuse, windows, cancellation).
 */
import type { Token } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import type { ChatAnalysis } from '../../core/chat/chatTypes';
import type { AnalyzeChatSpec, ProgressListener } from '../runtimeProtocol';
import { analyzeTokens, checkTokenCount, type StepAside } from './analysis';
import { throwIfCancelled } from './cancellation';
import { renderChat } from './chatRender';
import type { LoadedModel } from './loadedModel';

/** Render `spec`'s chat and analyse the rendered token sequence; the analysis's text is the rendered text. */
export async function analyzeChat(loaded: LoadedModel, spec: AnalyzeChatSpec, signal: AbortSignal, progress: ProgressListener, stepAside?: StepAside): Promise<ChatAnalysis> {
  const { rendered, tokens, spans } = await renderChat(loaded, { turns: spec.turns, reply: spec.reply }, spec.template);
  checkTokenCount(tokens.length, 'The rendered chat');
  throwIfCancelled(signal);
  const analysis = await analyzeTokens(loaded, { text: rendered.text, seq: tokens as Token[], spans, first: 0, special: true }, spec.topK, signal, progress, stepAside);
  return { ...analysis, rendered };
}
