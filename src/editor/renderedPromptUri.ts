/**
 * The rendered prompt's address: a read-only virtual document per chat file
 * and template. Its path's last part is the tab's title (the file's name and
 * the template), its query the chat file's URI.
 */
import * as vscode from 'vscode';
import { renderedViewTitle } from '../core/chat/renderedView';
import type { RenderedChat } from '../core/chat/chatTypes';

export const RENDERED_PROMPT_SCHEME = 'icl-lens-rendered';

/** The rendered view of chat file `source` as rendered by `rendered`'s template. */
export function renderedPromptUri(source: vscode.Uri, rendered: Pick<RenderedChat, 'template'>): vscode.Uri {
  const name = source.path.split('/').pop() || 'chat';
  return vscode.Uri.from({ scheme: RENDERED_PROMPT_SCHEME, path: `/${renderedViewTitle(name, rendered)}`, query: source.toString() });
}

export function isRenderedPromptUri(uri: vscode.Uri): boolean {
  return uri.scheme === RENDERED_PROMPT_SCHEME;
}

/** The chat file a rendered view shows. */
export function sourceUriOf(uri: vscode.Uri): vscode.Uri {
  return vscode.Uri.parse(uri.query, true);
}
