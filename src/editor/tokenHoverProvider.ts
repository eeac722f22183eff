/**
 * The hover over an analysed token: reads the store, Markdown from the pure
 * hoverMarkdown(). On a chat file a content token next to the chat template's
 * tokens (which the file does not show) names them with their numbers.
 */
import * as vscode from 'vscode';
import { summarize } from '../core/bits';
import { clusterPart } from '../core/graphemes';
import { isChatSourceAnalysis } from '../core/chat/renderedView';
import { templateNeighbours } from '../core/chat/sourceMapping';
import { hoverMarkdown } from '../core/hoverMarkdown';
import { precisionNote } from '../core/precision';
import { unreadableNotice } from '../core/readability';
import { EDITOR_FULL_READING, notComputedNotice } from '../core/readingNotice';
import { tokenAt } from '../core/tokenLookup';
import type { AnalysisStore } from './analysisStore';
import { commandLink } from './documentPosition';
import type { SettingsService } from './settingsService';

/** Text read on each side of a token to find the whole character it is part of (an emoji ZWJ sequence is at most a few dozen code units). */
const CLUSTER_WINDOW = 64;

export class TokenHoverProvider implements vscode.HoverProvider {
  /** @param stepsAside documents whose hover another view gives now (a comparison of two models shows both). */
  constructor(
    private readonly store: AnalysisStore,
    private readonly settings: SettingsService,
    private readonly stepsAside: (doc: vscode.TextDocument) => boolean = () => false,
  ) {}

  provideHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    if (this.stepsAside(doc)) return undefined;
    const analysis = this.store.current(doc);
    if (analysis === undefined) return undefined;
    const token = tokenAt(analysis.tokens, doc.offsetAt(position));
    if (token === undefined) return undefined;
    const { metric, hoverTopK, scaleMaxBits } = this.settings.value;
    const unreadable = unreadableNotice(summarize(analysis.tokens), analysis.model.vocabSize, analysis.model.name);
    const window = new vscode.Range(doc.positionAt(Math.max(0, token.start - CLUSTER_WINDOW)), doc.positionAt(token.end + CLUSTER_WINDOW));
    const from = doc.offsetAt(window.start);
    const around = doc.getText(window);
    const markdown = new vscode.MarkdownString();
    // The numbers of a model that reads the text no better than chance come with that warning.
    if (unreadable) markdown.appendText(`⚠ ${unreadable.message}\n\n`);
    // The links name the hovered token's end, so the commands act here and not at the cursor.
    const here = { uri: doc.uri.toString(), offset: token.end };
    const at = analysis.tokens[token.index] === token ? token.index : analysis.tokens.indexOf(token);
    const template = isChatSourceAnalysis(analysis) ? templateNeighbours(analysis, at) : undefined;
    const notComputed = notComputedNotice(analysis.route, EDITOR_FULL_READING) ?? undefined;
    markdown.appendMarkdown(hoverMarkdown(token, {
      metric,
      notComputed,
      template,
      topK: hoverTopK,
      maxBits: scaleMaxBits,
      cluster: clusterPart(around, from, analysis.tokens, token),
      precision: precisionNote(analysis.route.precision) ?? undefined,
      // Short, on the header line: a line more and the tenth alternative would scroll out of the hover.
      action: `[what next?](${commandLink('iclLens.whatComesNext', here)} "What comes next here? The distribution after this token")`
        + ` · [continue](${commandLink('iclLens.continueFromHere', here)} "Continue from here: the greedy continuation after this token, with its branches")`,
    }));
    markdown.isTrusted = { enabledCommands: ['iclLens.whatComesNext', 'iclLens.continueFromHere'] };
    // For the level's colour swatch only: every other text in the hover is escaped or in code.
    markdown.supportHtml = true;
    return new vscode.Hover(markdown, new vscode.Range(doc.positionAt(token.start), doc.positionAt(token.end)));
  }
}
