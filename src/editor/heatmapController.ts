/**
 * Paints the heatmap: one decoration type per level (theme colours from
 * contributes.colors; in high-contrast themes also an underline that grows
 * with the level), ranges from the pure heatmapRanges(), applied to every
 * visible editor of an analysed document. Results for old versions are not
 * painted; the last painted ranges stay (VS Code moves them with edits) until
 * a current analysis replaces them.
 */
import * as vscode from 'vscode';
import type { Metric, TokenStat } from '../core/analysis';
import { summarize } from '../core/bits';
import { HIGH_CONTRAST_CUES, isHighContrast, levelColorId, type LevelCue, type ThemeKindName } from '../core/heatmapPalette';
import { heatmapRanges, type LevelRange } from '../core/heatmapScale';
import { unreadableNotice } from '../core/readability';
import type { AnalysisStore, PartialAnalysis } from './analysisStore';
import { Disposable } from './disposable';
import type { SettingsService } from './settingsService';

/** What was last painted for a document (the integration tests read it through their seam, test/integration/seam). */
export interface PaintedHeatmap {
  readonly version: number;
  readonly metric: Metric;
  readonly ranges: readonly LevelRange[];
  /** Set when no colours were painted because the model cannot read the text (until the user asks to see them). */
  readonly unreadable?: string;
  /** The theme kind the levels were styled for, and each level's underline (none outside high contrast). */
  readonly themeKind: ThemeKindName;
  readonly cues: readonly LevelCue[];
}

/** VS Code's theme kind under the name package.json's colour defaults use. */
export function themeKindName(kind: vscode.ColorThemeKind): ThemeKindName {
  switch (kind) {
    case vscode.ColorThemeKind.Light: return 'light';
    case vscode.ColorThemeKind.HighContrast: return 'highContrast';
    case vscode.ColorThemeKind.HighContrastLight: return 'highContrastLight';
    default: return 'dark';
  }
}

const NO_CUE: LevelCue = { width: 0, style: 'none' };

export class HeatmapController extends Disposable {
  private types: vscode.TextEditorDecorationType[] = [];
  private themeKind = themeKindName(vscode.window.activeColorTheme.kind);
  private cues: readonly LevelCue[] = [];
  private readonly painted = new Map<string, PaintedHeatmap>();
  /** What each editor was last painted from, so a store change that changes none of it (a progress tick) costs nothing. */
  private readonly paintedFrom = new WeakMap<vscode.TextEditor, PaintSource>();
  /** Documents whose unreadable-text warning was shown (per model), and those the user wants coloured anyway. */
  private readonly warned = new Set<string>();
  private readonly colourAnywayFor = new Set<string>();
  private visible: boolean;
  private readonly toggled = this.register(new vscode.EventEmitter<boolean>());
  /** Fires when the heatmap is shown or hidden. */
  readonly onDidToggle = this.toggled.event;

  constructor(private readonly store: AnalysisStore, private readonly settings: SettingsService) {
    super();
    this.visible = settings.value.heatmapEnabled;
    this.createTypes();
    // High contrast adds the underline, which decoration types cannot switch by theme: make new ones.
    this.register(vscode.window.onDidChangeActiveColorTheme((theme) => {
      const kind = themeKindName(theme.kind);
      if (kind === this.themeKind) return;
      this.themeKind = kind;
      for (const editor of vscode.window.visibleTextEditors) this.clear(editor);
      this.createTypes();
      this.renderAll();
    }));
    this.register(store.onDidChange((uri) => this.renderUri(uri)));
    this.register(vscode.window.onDidChangeVisibleTextEditors(() => this.renderAll()));
    this.register(vscode.workspace.onDidCloseTextDocument((doc) => {
      this.painted.delete(doc.uri.toString());
      this.colourAnywayFor.delete(doc.uri.toString());
      for (const key of this.warned) if (key.startsWith(`${doc.uri.toString()}\u0000`)) this.warned.delete(key);
    }));
    let last = { metric: settings.value.metric, max: settings.value.scaleMaxBits, enabled: settings.value.heatmapEnabled, unreadable: settings.value.colorUnreadableText };
    this.register(settings.onDidChange((s) => {
      if (s.heatmapEnabled !== last.enabled) this.visible = s.heatmapEnabled;
      if (s.metric !== last.metric || s.scaleMaxBits !== last.max || s.heatmapEnabled !== last.enabled || s.colorUnreadableText !== last.unreadable) this.renderAll();
      last = { metric: s.metric, max: s.scaleMaxBits, enabled: s.heatmapEnabled, unreadable: s.colorUnreadableText };
    }));
  }

  override dispose(): void {
    this.types.forEach((t) => t.dispose());
    super.dispose();
  }

  /** One decoration type per level for the current theme kind (the old ones are disposed). */
  private createTypes(): void {
    this.types.forEach((t) => t.dispose());
    const highContrast = isHighContrast(this.themeKind);
    this.cues = highContrast ? HIGH_CONTRAST_CUES : HIGH_CONTRAST_CUES.map(() => NO_CUE);
    this.types = this.cues.map((cue, level) => vscode.window.createTextEditorDecorationType({
      backgroundColor: new vscode.ThemeColor(levelColorId(level)),
      borderRadius: highContrast ? undefined : '2px',
      ...(cue.width > 0 ? { borderStyle: `none none ${cue.style} none`, borderWidth: `0 0 ${cue.width}px 0`, borderColor: new vscode.ThemeColor('editor.foreground') } : {}),
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    }));
  }

  get isVisible(): boolean {
    return this.visible;
  }

  /** Show or hide the heatmap in every editor. */
  toggle(): void {
    this.visible = !this.visible;
    this.renderAll();
    this.toggled.fire(this.visible);
  }

  /** Colour `uri` even though its model cannot read it (the user asked). */
  colourAnyway(uri: vscode.Uri): void {
    this.colourAnywayFor.add(uri.toString());
    this.renderUri(uri);
  }

  /** Once per document and model: say why there are no colours, with the way out. */
  private warnUnreadable(uri: vscode.Uri, key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    void vscode.window.showWarningMessage(`ICL Lens: ${message}`, 'Select Model', 'Show Colours Anyway').then((choice) => {
      if (choice === 'Select Model') void vscode.commands.executeCommand('iclLens.selectModel');
      if (choice === 'Show Colours Anyway') this.colourAnyway(uri);
    });
  }

  /** What was last painted for `uri`, if anything. */
  paintedFor(uri: vscode.Uri): PaintedHeatmap | undefined {
    return this.painted.get(uri.toString());
  }

  private renderAll(): void {
    for (const editor of vscode.window.visibleTextEditors) this.renderEditor(editor);
  }

  private renderUri(uri: vscode.Uri): void {
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.toString() === uri.toString()) this.renderEditor(editor);
    }
  }

  private renderEditor(editor: vscode.TextEditor): void {
    const doc = editor.document;
    const key = doc.uri.toString();
    if (!this.visible) {
      this.clear(editor);
      this.painted.delete(key);
      return;
    }
    const analysis = this.store.current(doc);
    const partial = analysis === undefined ? this.store.partial(doc) : undefined;
    if (analysis === undefined && (partial === undefined || !this.renderPartial(editor, partial))) {
      if (this.store.latest(doc.uri) === undefined) {
        this.clear(editor);
        this.painted.delete(key);
      }
      return;
    }
    if (analysis === undefined) return;
    const { metric, scaleMaxBits } = this.settings.value;
    const source: PaintSource = { from: analysis, version: doc.version, metric, scaleMaxBits, themeKind: this.themeKind, anyway: this.colourAnywayFor.has(key) || this.settings.value.colorUnreadableText };
    if (samePaintSource(this.paintedFrom.get(editor), source)) return;
    // Colours over a text the model reads no better than chance would look calm and mean nothing.
    const unreadable = unreadableNotice(summarize(analysis.tokens), analysis.model.vocabSize, analysis.model.name);
    if (unreadable && !source.anyway) {
      this.clear(editor);
      this.painted.set(key, { version: doc.version, metric, ranges: [], unreadable: unreadable.message, themeKind: this.themeKind, cues: this.cues });
      this.warnUnreadable(doc.uri, `${key}\u0000${analysis.model.path}`, unreadable.message);
      return;
    }
    this.paint(editor, analysis.tokens, source);
  }

  /**
   * Paint what a running analysis has scored so far: a long document's visible
   * windows colour while the rest is analysed (the parts not yet known stay
   * uncoloured); after an edit, the tokens before it keep the last analysis's
   * colours. False when there is nothing to paint yet.
   */
  private renderPartial(editor: vscode.TextEditor, partial: PartialAnalysis): boolean {
    const doc = editor.document;
    if (partial.tokens.length === 0) return false;
    const first = partial.from;
    const latest = this.store.latest(doc.uri)?.analysis;
    // Tokens before the first re-evaluated one are unchanged, offsets included (the same model's, else none).
    if (first > 1 && latest?.model.path !== partial.model.path) return false;
    const before = first <= 1 ? [] : latest!.tokens.slice(0, first);
    const prefixEnd = before.at(-1)?.end ?? 0;
    if (prefixEnd > 0 && doc.getText(new vscode.Range(doc.positionAt(0), doc.positionAt(prefixEnd))) !== latest!.text.slice(0, prefixEnd)) return false;
    const { metric, scaleMaxBits } = this.settings.value;
    const source: PaintSource = { from: partial, version: doc.version, metric, scaleMaxBits, themeKind: this.themeKind, anyway: this.colourAnywayFor.has(doc.uri.toString()) || this.settings.value.colorUnreadableText };
    if (samePaintSource(this.paintedFrom.get(editor), source)) return true;
    const tokens = before.length === 0 ? partial.tokens : before.concat(partial.tokens);
    // Leave the warning about unreadable text to the whole analysis; paint nothing meanwhile.
    if (!source.anyway && unreadableNotice(summarize(tokens), partial.model.vocabSize, partial.model.name)) return false;
    this.paint(editor, tokens, source);
    return true;
  }

  private paint(editor: vscode.TextEditor, tokens: readonly TokenStat[], source: PaintSource): void {
    const doc = editor.document;
    const ranges = heatmapRanges(tokens, source.metric, source.scaleMaxBits);
    const byLevel: vscode.Range[][] = this.types.map(() => []);
    for (const r of ranges) byLevel[r.level].push(new vscode.Range(doc.positionAt(r.start), doc.positionAt(r.end)));
    this.types.forEach((t, level) => editor.setDecorations(t, byLevel[level]));
    this.painted.set(doc.uri.toString(), { version: doc.version, metric: source.metric, ranges, themeKind: this.themeKind, cues: this.cues });
    this.paintedFrom.set(editor, source);
  }

  private clear(editor: vscode.TextEditor): void {
    this.types.forEach((t) => editor.setDecorations(t, []));
    this.paintedFrom.delete(editor);
  }
}

/** What an editor's colours were computed from. */
interface PaintSource {
  readonly from: object;
  readonly version: number;
  readonly metric: Metric;
  readonly scaleMaxBits: number;
  readonly themeKind: ThemeKindName;
  readonly anyway: boolean;
}

function samePaintSource(a: PaintSource | undefined, b: PaintSource): boolean {
  return a !== undefined && a.from === b.from && a.version === b.version && a.metric === b.metric && a.scaleMaxBits === b.scaleMaxBits && a.themeKind === b.themeKind && a.anyway === b.anyway;
}
