/**
 * Whether a model can read a text at all. A model whose mean surprisal on a
 * text is at least log2 of its vocabulary size does worse than guessing tokens
 * uniformly at random: its entropy colours there describe nothing, so the
 * heatmap, the panel and the CLI say so instead of showing them as calm.
 */
import type { Analysis } from './analysis';
import type { StatSummary } from './bits';

/** What the user is told about a text the model cannot read. */
export interface ReadabilityNotice {
  readonly meanSurprisal: number;
  /** log2 of the vocabulary size: the mean surprisal of uniform guessing. */
  readonly uniformBits: number;
  readonly message: string;
}

/** The notice for `summary` under a model of `vocabSize` tokens, or null when the model reads the text better than uniform guessing. */
export function unreadableNotice(summary: Pick<StatSummary, 'meanSurprisal' | 'scored'>, vocabSize: number, modelName: string): ReadabilityNotice | null {
  if (summary.meanSurprisal === null || summary.scored === 0 || !(vocabSize > 1)) return null;
  const uniformBits = Math.log2(vocabSize);
  if (summary.meanSurprisal < uniformBits) return null;
  return {
    meanSurprisal: summary.meanSurprisal,
    uniformBits,
    message: `${modelName} cannot read this text: its mean surprisal (${summary.meanSurprisal.toFixed(1)} bits per token) is no better than guessing uniformly among its ${vocabSize} tokens (${uniformBits.toFixed(1)} bits), so its colours here mean nothing. Pick another model.`,
  };
}

/**
 * What the user is told when a document was analysed in windows: the context
 * never exceeds the model's training context, so each token sees at most one
 * window of text before it.
 */
export function windowsNotice(analysis: Pick<Analysis, 'route' | 'model'>): string | null {
  const w = analysis.route.window;
  if (!w) return null;
  const trained = analysis.model.trainContextSize > 0 && analysis.model.trainContextSize <= analysis.model.contextSize ? ` (the model was trained on ${analysis.model.trainContextSize}-token contexts)` : '';
  return `The document is longer than the context of ${analysis.model.contextSize} tokens${trained}: it was analysed in overlapping windows of ${w.size} tokens, so each token sees at most the ${w.size} tokens before it.`;
}
