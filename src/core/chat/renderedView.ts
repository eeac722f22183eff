/**
 * How a chat analysis is presented: which analyses are chats, the template in
 * a few words (status bar) and in the rendered view's title, and the rendered
 * prompt's tokens marked as template or content.
 */
import type { Analysis, TokenStat } from '../analysis';
import type { ChatAnalysis, ChatSourceAnalysis, RenderedChat } from './chatTypes';

/** Whether `analysis` is a chat file's (content tokens on the file, the rendered analysis beside). */
export function isChatSourceAnalysis(analysis: Analysis): analysis is ChatSourceAnalysis {
  const rendered = (analysis as Partial<ChatSourceAnalysis>).rendered;
  return rendered !== undefined && typeof rendered.rendered?.text === 'string';
}

/** How a chat was rendered, from a chat file's analysis or its rendered view's; undefined for any other analysis. */
export function chatRenderingOf(analysis: Analysis): RenderedChat | undefined {
  const rendered = (analysis as { rendered?: Partial<ChatAnalysis> & Partial<RenderedChat> }).rendered;
  if (rendered === undefined) return undefined;
  if (rendered.rendered !== undefined) return rendered.rendered;
  return typeof rendered.text === 'string' && Array.isArray(rendered.segments) ? (rendered as RenderedChat) : undefined;
}

/** The template that rendered a chat, short, for the status bar: `model template`, `chatML`, `raw`. */
export function templateShortLabel(rendered: Pick<RenderedChat, 'kind' | 'template'>): string {
  if (rendered.kind === 'model') return 'model template';
  if (rendered.kind === 'raw') return 'raw';
  // A wrapper's words start with its name: "chatML (node-llama-cpp)".
  return rendered.template.split(' ')[0] || rendered.template;
}

/** The rendered-prompt view's title: the chat file's name and the template's words, with nothing a path would split on. */
export function renderedViewTitle(fileName: string, rendered: Pick<RenderedChat, 'template'>): string {
  return `${fileName} — ${rendered.template}`.replace(/[/\\]/g, '∕');
}

/**
 * The rendered analysis with each token not from a message's content marked
 * `template` (role headers, special tokens, separators; BOS, which the text
 * does not show, empty and first): a token is content when its span overlaps a
 * content segment, or, empty (a piece of a character), sits inside one. Marks the runtime set
 * are kept.
 */
export function markTemplateTokens(analysis: ChatAnalysis): ChatAnalysis {
  if (analysis.tokens.some((t) => t.template)) return analysis;
  const content = analysis.rendered.segments.filter((s) => s.kind === 'content' && s.end > s.start);
  const isContent = (t: TokenStat, position: number) => {
    // An empty first token is BOS, which the text does not show.
    if (t.end === t.start && position === 0) return false;
    return content.some((s) => (t.end > t.start ? t.start < s.end && t.end > s.start : t.start >= s.start && t.start < s.end));
  };
  return { ...analysis, tokens: analysis.tokens.map((t, i) => (isContent(t, i) ? t : { ...t, template: true as const })) };
}
