/** The hover over an analysed token: reads the store, Markdown from the pure hoverMarkdown(). */
import * as vscode from 'vscode';
import { summarize } from '../core/bits';
import { hoverMarkdown } from '../core/hoverMarkdown';
import { unreadableNotice } from '../core/readability';
import { tokenAt } from '../core/tokenLookup';
import type { AnalysisStore } from './analysisStore';
import { commandLink } from './documentPosition';
import type { SettingsService } from './settingsService';

export class TokenHoverProvider implements vscode.HoverProvider {
  constructor(private readonly store: AnalysisStore, private readonly settings: SettingsService) {}

  provideHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const analysis = this.store.current(doc);
    if (analysis === undefined) return undefined;
    const token = tokenAt(analysis.tokens, doc.offsetAt(position));
    if (token === undefined) return undefined;
    const { metric, hoverTopK } = this.settings.value;
    const unreadable = unreadableNotice(summarize(analysis.tokens), analysis.model.vocabSize, analysis.model.name);
    const markdown = new vscode.MarkdownString();
    // The numbers of a model that reads the text no better than chance come with that warning.
    if (unreadable) markdown.appendText(`⚠ ${unreadable.message}\n\n`);
    markdown.appendMarkdown(hoverMarkdown(token, { metric, modelName: analysis.model.name, topK: hoverTopK }));
    // The links name the hovered token's end, so the commands act here and not at the cursor.
    const here = { uri: doc.uri.toString(), offset: token.end };
    markdown.appendMarkdown(`\n\n[What comes next here?](${commandLink('iclLens.whatComesNext', here)} "Show the distribution after this token")`);
    markdown.appendMarkdown(` · [Continue from here](${commandLink('iclLens.continueFromHere', here)} "Show the greedy continuation after this token, with its branches")`);
    markdown.isTrusted = { enabledCommands: ['iclLens.whatComesNext', 'iclLens.continueFromHere'] };
    return new vscode.Hover(markdown, new vscode.Range(doc.positionAt(token.start), doc.positionAt(token.end)));
  }
}
