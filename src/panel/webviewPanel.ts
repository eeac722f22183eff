/** Creates an ICL Lens webview beside the editor: scripts on, resources only from the bundle and media/, the page from `html`. */
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import type { WebviewHtmlInput } from './webviewHtml';

export interface LensWebviewOptions {
  readonly viewType: string;
  readonly title: string;
  /** The script, under dist/webview/. */
  readonly script: string;
  /** The style sheet, under media/. */
  readonly style: string;
  readonly retainContextWhenHidden?: boolean;
  readonly html: (input: WebviewHtmlInput) => string;
}

export function createLensWebview(extensionUri: vscode.Uri, options: LensWebviewOptions): vscode.WebviewPanel {
  const root = (p: string) => vscode.Uri.joinPath(extensionUri, p);
  const panel = vscode.window.createWebviewPanel(options.viewType, options.title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
    enableScripts: true,
    retainContextWhenHidden: options.retainContextWhenHidden ?? false,
    localResourceRoots: [root('dist/webview'), root('media')],
  });
  panel.iconPath = root('media/icon.svg');
  panel.webview.html = options.html({
    cspSource: panel.webview.cspSource,
    nonce: crypto.randomBytes(16).toString('base64'),
    scriptUri: panel.webview.asWebviewUri(root(`dist/webview/${options.script}`)).toString(),
    styleUri: panel.webview.asWebviewUri(root(`media/${options.style}`)).toString(),
  });
  return panel;
}
