/**
 * The status bar item: model, file perplexity and analysis progress (on a chat
 * file also the template that rendered it); a click toggles the heatmap.
 */
import * as vscode from 'vscode';
import { summarize } from '../core/bits';
import { chatRenderingOf, templateShortLabel } from '../core/chat/renderedView';
import { isHighContrast, legendRows, legendTitle, swatchHtml } from '../core/heatmapPalette';
import { precisionNote } from '../core/precision';
import { unreadableNotice, windowsNotice } from '../core/readability';
import { EDITOR_FULL_READING, notComputedNotice } from '../core/readingNotice';
import { escapeIcons, escapeMarkdown } from '../core/visibleText';
import { precisionOf } from '../model/loadSpecs';
import type { AnalysisStore } from './analysisStore';
import { Disposable } from './disposable';
import { themeKindName, type HeatmapController } from './heatmapController';
import type { ModelService } from './modelService';
import type { SettingsService } from './settingsService';

export class StatusBarController extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('iclLens.status', vscode.StatusBarAlignment.Right, 100));
  /** Beside it: the metric the colours show; a click switches entropy ↔ surprisal. */
  private readonly metricItem = this.register(vscode.window.createStatusBarItem('iclLens.metric', vscode.StatusBarAlignment.Right, 99));
  private shown = false;

  constructor(
    private readonly store: AnalysisStore,
    private readonly models: ModelService,
    private readonly heatmap: HeatmapController,
    private readonly settings: SettingsService,
  ) {
    super();
    this.item.name = 'ICL Lens';
    this.item.command = 'iclLens.toggleHeatmap';
    this.metricItem.name = 'ICL Lens metric';
    this.metricItem.command = 'iclLens.toggleMetric';
    this.register(store.onDidChange(() => this.update()));
    this.register(vscode.window.onDidChangeActiveTextEditor(() => this.update()));
    this.register(vscode.workspace.onDidChangeTextDocument((e) => { if (e.document === vscode.window.activeTextEditor?.document) this.update(); }));
    this.register(models.onDidChangeModel(() => this.update()));
    this.register(heatmap.onDidToggle(() => this.update()));
    this.register(settings.onDidChange(() => this.update()));
    this.register(vscode.window.onDidChangeActiveColorTheme(() => this.update()));
    this.update();
  }

  /** The item's tooltip as shown now (its legend), if the item shows one. */
  get tooltip(): vscode.MarkdownString | undefined {
    return this.item.tooltip instanceof vscode.MarkdownString ? this.item.tooltip : undefined;
  }

  /** The item's text as shown now (undefined while hidden). */
  get text(): string | undefined {
    return this.shown ? this.item.text : undefined;
  }

  private showItem(shown: boolean): void {
    this.shown = shown;
    if (shown) this.item.show();
    else this.item.hide();
  }

  private update(): void {
    const doc = vscode.window.activeTextEditor?.document;
    // The metric switch shows wherever colours can be shown: next to an analysed document.
    const metric = this.settings.value.metric;
    this.metricItem.text = `$(symbol-numeric) ${metric}`;
    this.metricItem.tooltip = `ICL Lens colours show ${metric === 'entropy' ? 'the entropy of the model\'s distribution at each token' : 'the surprisal of each written token'}. Click to show ${metric === 'entropy' ? 'surprisal' : 'entropy'}.`;
    if (doc !== undefined && this.store.latest(doc.uri)) this.metricItem.show();
    else this.metricItem.hide();
    if (doc === undefined) {
      this.showItem(false);
      return;
    }
    const state = this.store.state(doc.uri);
    const stored = this.store.latest(doc.uri);
    const eye = this.heatmap.isVisible ? '$(eye)' : '$(eye-closed)';
    if (state.kind === 'running') {
      this.item.text = `$(sync~spin) ICL Lens ${Math.round(state.fraction * 100)}%`;
    } else if (state.kind === 'error') {
      this.item.text = `$(warning) ICL Lens${state.label ? `: ${escapeIcons(state.label)}` : ''}`;
    } else if (stored) {
      const summary = summarize(stored.analysis.tokens);
      const ppl = summary.perplexity;
      const stale = stored.version !== doc.version ? ' (stale)' : '';
      const unreadable = unreadableNotice(summary, stored.analysis.model.vocabSize, stored.analysis.model.name);
      const rendered = chatRenderingOf(stored.analysis);
      const chat = rendered ? ` · chat · ${escapeIcons(templateShortLabel(rendered))}` : '';
      this.item.text = unreadable
        ? `$(warning) ${escapeIcons(stored.analysis.model.name)} cannot read this text${chat}${stale}`
        : `${eye} ${escapeIcons(stored.analysis.model.name)}${chat} · ppl ${ppl === null ? '—' : ppl.toFixed(2)}${stale}`;
      const notes = [
        rendered ? `A chat: its messages rendered with ${rendered.template}; the perplexity is over the messages' tokens, not the template's.` : undefined,
        windowsNotice(stored.analysis) ?? undefined,
        notComputedNotice(stored.analysis.route, EDITOR_FULL_READING) ?? undefined,
        // What ran for these numbers, which may predate a change of the setting.
        precisionNote(stored.analysis.route.precision) ?? undefined,
      ].filter((n): n is string => n !== undefined);
      this.item.tooltip = this.tooltipFor(unreadable?.message, notes.length > 0 ? notes.join(' ') : undefined);
      this.showItem(true);
      return;
    } else if (!this.models.hasModel) {
      this.item.text = '$(circle-slash) ICL Lens: no model';
    } else {
      this.showItem(false);
      return;
    }
    this.item.tooltip = this.tooltipFor(state.kind === 'error' ? state.message : undefined, precisionNote(precisionOf(this.models.loadSpec)) ?? undefined);
    this.showItem(true);
  }

  private tooltipFor(error?: string, note?: string): vscode.MarkdownString {
    const { metric, scaleMaxBits } = this.settings.value;
    const rows = legendRows(scaleMaxBits);
    // Each level's swatch is the theme colour the heatmap paints (its CSS variable), so the legend follows the theme.
    const legend = rows.map((r) => `| ${swatchHtml(r.level)} | ${r.level} | ${r.range} |`).join('\n');
    const md = new vscode.MarkdownString([
      // Model names (GGUF metadata), paths and messages are untrusted text in a Markdown tooltip.
      `**ICL Lens** — model: ${escapeMarkdown(this.models.label)}`,
      error ? `$(warning) ${escapeMarkdown(error)}` : '',
      note ? escapeMarkdown(note) : '',
      `Heatmap (${this.heatmap.isVisible ? 'shown' : 'hidden'}): ${legendTitle(metric)}, level 0 = confident, ${rows.length - 1} = uncertain.`,
      `| colour | level | ${metric} |\n|---|--:|---|\n${legend}`,
      isHighContrast(themeKindName(vscode.window.activeColorTheme.kind)) ? 'In high contrast an underline under each token grows heavier with its level.' : '',
      'Click to toggle the heatmap.',
    ].filter(Boolean).join('\n\n'), true);
    md.supportHtml = true;
    return md;
  }
}

