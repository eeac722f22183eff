/**
 * The few-shot structure of each document (a chat file's, core/chat/chatFewShot.ts,
 * or a text prompt's): its parse (cached per version), the
 * diagnostics for front matter and structure, and the warning for a bad format
 * class setting. Parsing for diagnostics and CodeLens is debounced and
 * latest-wins, so typing never waits on it, and a file over the size limit is
 * never parsed.
 */
import * as vscode from 'vscode';
import { parseDocumentFewShot } from '../core/chat/chatFewShot';
import type { ParseResult } from '../core/fewShot/fewShotStructure';
import { checkInput, describeInputProblem } from '../core/inputCheck';
import type { Logger } from '../core/logger';
import { Disposable } from './disposable';
import type { SettingsService } from './settingsService';

export class FewShotStructureController extends Disposable {
  private readonly parsed = new Map<string, { version: number; result: ParseResult }>();
  /** Debounced parses not yet run, and who waits for them, by document. */
  private readonly pendingParses = new Map<string, { timer: NodeJS.Timeout; waiters: Array<() => void> }>();
  private readonly parsedEmitter = this.register(new vscode.EventEmitter<vscode.Uri>());
  /** Fires after a debounced parse of a document lands (its structure and diagnostics are current). */
  readonly onDidParse = this.parsedEmitter.event;
  /** The formatClass problem last shown, so a setting change that keeps it does not repeat it. */
  private shownFormatClassProblem?: string;
  private readonly diagnostics = this.register(vscode.languages.createDiagnosticCollection('iclLens.fewShot'));

  /**
   * @param isPrompt whether a document is a prompt (parsed as it changes).
   * @param hasResults whether a document has few-shot results or a run (then it is parsed too, prompt or not).
   */
  constructor(
    private readonly settings: SettingsService,
    private readonly log: Logger,
    private readonly isPrompt: (doc: vscode.TextDocument) => boolean,
    private readonly hasResults: (uri: vscode.Uri) => boolean,
  ) {
    super();
    this.register(vscode.workspace.onDidOpenTextDocument((doc) => this.scheduleParse(doc)));
    this.register(vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length > 0) this.scheduleParse(e.document);
    }));
    this.register(vscode.workspace.onDidCloseTextDocument((doc) => this.forget(doc.uri)));
    this.register(settings.onDidChange(() => {
      this.parsed.clear();
      this.reportFormatClassProblem();
      for (const doc of vscode.workspace.textDocuments) this.scheduleParse(doc);
    }));
    this.reportFormatClassProblem();
    // Documents already open at start-up are parsed after the debounce, not while activating.
    for (const doc of vscode.workspace.textDocuments) this.scheduleParse(doc);
  }

  /**
   * The parse of `doc` at its current version (cached), computed now if needed:
   * for commands, which need it at once. A file over the size limit (or binary)
   * is not parsed: the result has no structure and says why.
   */
  parse(doc: vscode.TextDocument): ParseResult {
    const key = doc.uri.toString();
    const cached = this.parsed.get(key);
    if (cached?.version === doc.version) return cached.result;
    const result = this.parseText(doc.getText(), doc.fileName);
    this.parsed.set(key, { version: doc.version, result });
    return result;
  }

  /**
   * The parse of `text` with the settings' few-shot options (as a document's;
   * not cached); `fileName` (a chat file's name) decides how it is read, with its content.
   */
  parseText(text: string, fileName?: string): ParseResult {
    const problem = checkInput(text, this.settings.value.maxFileBytes);
    const f = this.settings.value.fewShot;
    return problem
      ? { structure: null, diagnostics: [{ offset: 0, length: 0, message: describeInputProblem(problem), severity: 'warning' }], bodyStart: 0, frontMatterDiagnostics: [] }
      : parseDocumentFewShot(text, fileName, { contentFree: f.contentFreeInput, formatClass: f.formatClass || undefined, lengthNormalize: f.lengthNormalize });
  }

  /** The cached parse of `doc` if it describes the current text, without parsing. */
  parsedNow(doc: vscode.TextDocument): ParseResult | undefined {
    const cached = this.parsed.get(doc.uri.toString());
    return cached?.version === doc.version ? cached.result : undefined;
  }

  /**
   * The parse of `doc` once the debounced parse has run (at once when the cache
   * is current); undefined when the document closed or changed again meanwhile.
   */
  whenParsed(doc: vscode.TextDocument): Promise<ParseResult | undefined> {
    const now = this.parsedNow(doc);
    if (now) return Promise.resolve(now);
    const key = doc.uri.toString();
    if (!this.pendingParses.has(key)) this.scheduleParse(doc, true);
    const pending = this.pendingParses.get(key);
    if (!pending) return Promise.resolve(undefined);
    return new Promise((resolve) => pending.waiters.push(() => resolve(doc.isClosed ? undefined : this.parsedNow(doc))));
  }

  override dispose(): void {
    for (const key of [...this.pendingParses.keys()]) this.dropPendingParse(key);
    super.dispose();
  }

  /**
   * Parse `doc` after the debounce delay, off the event that asked for it: a
   * newer change restarts the delay (latest wins), so a burst of keystrokes
   * costs one parse. `force` parses documents that are not prompts (CodeLens asked).
   */
  private scheduleParse(doc: vscode.TextDocument, force = false): void {
    const key = doc.uri.toString();
    if (!force && !this.pendingParses.has(key) && !this.isPrompt(doc) && !this.hasResults(doc.uri)) return;
    const pending = this.pendingParses.get(key);
    clearTimeout(pending?.timer);
    const timer = setTimeout(() => {
      const waiters = this.pendingParses.get(key)?.waiters ?? [];
      this.pendingParses.delete(key);
      if (!doc.isClosed) {
        this.refreshDiagnostics(doc);
        this.parsedEmitter.fire(doc.uri);
      }
      for (const w of waiters) w();
    }, this.settings.value.debounceMs);
    this.pendingParses.set(key, { timer, waiters: pending?.waiters ?? [] });
  }

  /** Settles the waiters of `key`'s pending parse (with no result) and drops it. */
  private dropPendingParse(key: string): void {
    const pending = this.pendingParses.get(key);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pendingParses.delete(key);
    for (const w of pending.waiters) w();
  }

  private reportFormatClassProblem(): void {
    const problem = this.settings.value.fewShot.formatClassProblem;
    if (problem === this.shownFormatClassProblem) return;
    this.shownFormatClassProblem = problem;
    if (problem === undefined) return;
    this.log.warn(`${problem} The format class falls back to the example outputs.`);
    void vscode.window.showWarningMessage(`ICL Lens: ${problem} The format class falls back to the example outputs.`);
  }

  private refreshDiagnostics(doc: vscode.TextDocument): void {
    if (!this.isPrompt(doc) && !this.hasResults(doc.uri)) return;
    const parsed = this.parse(doc);
    const out: vscode.Diagnostic[] = parsed.frontMatterDiagnostics.map((d) => {
      const line = Math.min(d.line, doc.lineCount - 1);
      const diagnostic = new vscode.Diagnostic(doc.lineAt(line).range, d.message, vscode.DiagnosticSeverity.Error);
      diagnostic.source = 'ICL Lens front matter';
      return diagnostic;
    });
    // Structure warnings only where the author asked for a few-shot reading (front matter; a chat's
    // few-shot fields or target). A chat file's own errors are the heatmap side's to show.
    if (parsed.chat ? parsed.fewShotDeclared === true : parsed.bodyStart > 0) {
      for (const d of parsed.diagnostics) {
        const start = doc.positionAt(d.offset);
        const range = d.length > 0 ? new vscode.Range(start, doc.positionAt(d.offset + d.length)) : doc.lineAt(start.line).range;
        const diagnostic = new vscode.Diagnostic(range, d.message, d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
        diagnostic.source = 'ICL Lens';
        out.push(diagnostic);
      }
    }
    this.diagnostics.set(doc.uri, out);
  }

  private forget(uri: vscode.Uri): void {
    this.parsed.delete(uri.toString());
    this.dropPendingParse(uri.toString());
    this.diagnostics.delete(uri);
  }
}
