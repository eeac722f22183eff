/**
 * Which documents are chats, and what is wrong with them: each document's
 * parse (core/chat/chatFile.ts, cached per version) and its diagnostics, placed
 * at the offsets the parser gives. A chat file is recognised by its name as it
 * opens and changes (debounced); any other document becomes one when it is
 * analysed and its content reads as a chat.
 */
import * as vscode from 'vscode';
import { isChatFileName, parseChatDocument } from '../core/chat/chatFile';
import type { ChatDiagnostic, ChatDocument } from '../core/chat/chatTypes';
import { checkInput } from '../core/inputCheck';
import { Disposable } from './disposable';
import type { SettingsService } from './settingsService';

/** Where chat files may live: documents a user edits, not output channels, diffs or the rendered view. */
const EDITABLE_SCHEMES = new Set(['file', 'untitled', 'vscode-remote']);

export class ChatDocuments extends Disposable {
  private readonly parsed = new Map<string, { version: number; chat: ChatDocument | null }>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly diagnostics = this.register(vscode.languages.createDiagnosticCollection('iclLens.chat'));

  constructor(private readonly settings: SettingsService) {
    super();
    this.register(vscode.workspace.onDidOpenTextDocument((doc) => this.schedule(doc)));
    this.register(vscode.workspace.onDidChangeTextDocument((e) => { if (e.contentChanges.length > 0) this.schedule(e.document); }));
    this.register(vscode.workspace.onDidCloseTextDocument((doc) => this.forget(doc.uri)));
    for (const doc of vscode.workspace.textDocuments) this.schedule(doc);
  }

  override dispose(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    super.dispose();
  }

  /**
   * `doc`'s messages at its current version, or null when it is not a chat (or
   * too large or binary to read: the analyzer says so). Its diagnostics are
   * published with it.
   */
  parse(doc: vscode.TextDocument): ChatDocument | null {
    const key = doc.uri.toString();
    const cached = this.parsed.get(key);
    if (cached?.version === doc.version) return cached.chat;
    const text = doc.getText();
    const chat = EDITABLE_SCHEMES.has(doc.uri.scheme) && checkInput(text, this.settings.value.maxFileBytes) === null ? parseChatDocument(text, doc.fileName) : null;
    this.parsed.set(key, { version: doc.version, chat });
    this.publish(doc, chat);
    return chat;
  }

  /** Whether `doc` was read as a chat at some version (its edits keep its diagnostics current). */
  private wasChat(doc: vscode.TextDocument): boolean {
    return this.parsed.get(doc.uri.toString())?.chat != null;
  }

  /** Re-read a chat file after the debounce delay (a burst of keystrokes costs one parse). */
  private schedule(doc: vscode.TextDocument): void {
    if (!EDITABLE_SCHEMES.has(doc.uri.scheme) || !(isChatFileName(doc.fileName) || this.wasChat(doc))) return;
    const key = doc.uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.set(key, setTimeout(() => {
      this.pending.delete(key);
      if (!doc.isClosed) this.parse(doc);
    }, this.settings.value.debounceMs));
  }

  private publish(doc: vscode.TextDocument, chat: ChatDocument | null): void {
    if (chat === null) {
      this.diagnostics.delete(doc.uri);
      return;
    }
    this.diagnostics.set(doc.uri, chat.diagnostics.map((d) => toDiagnostic(doc, d)));
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.delete(key);
    this.parsed.delete(key);
    this.diagnostics.delete(uri);
  }
}

/** The errors that keep a chat file from the model. */
export function chatErrors(chat: ChatDocument): ChatDiagnostic[] {
  return chat.diagnostics.filter((d) => d.severity === 'error');
}

/** What the status bar and a command say about a chat file with errors (the Problems view lists them all). */
export function describeChatErrors(doc: vscode.TextDocument, errors: readonly ChatDiagnostic[]): string {
  const first = errors[0];
  const line = doc.positionAt(first.offset).line + 1;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more, see Problems)` : '';
  return `This chat file cannot be sent to the model: line ${line}: ${first.message}${more}`;
}

function toDiagnostic(doc: vscode.TextDocument, d: ChatDiagnostic): vscode.Diagnostic {
  const start = doc.positionAt(d.offset);
  // An empty place (the end of the file, a missing value) is marked on its line.
  const range = d.length > 0 ? new vscode.Range(start, doc.positionAt(d.offset + d.length)) : doc.lineAt(start.line).range;
  const diagnostic = new vscode.Diagnostic(range, d.message, d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
  diagnostic.source = 'ICL Lens chat';
  return diagnostic;
}
