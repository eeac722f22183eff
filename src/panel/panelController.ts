/**
 * The ICL Lens side panel: a webview that shows the active document's analysis.
 * Handshake: the webview posts `panel/ready` and gets a complete snapshot; it
 * gets a complete snapshot again when the panel becomes visible. Changes to the
 * stores it reads are coalesced (at most one message per UPDATE_INTERVAL_MS),
 * posted only to a visible panel and only when a section's inputs changed
 * (panelUpdates.ts); a tick of the few-shot run's progress alone is a small
 * `panel/progress`, and analysis progress, which the panel does not show, sends nothing.
 * It reads the editor's stores and asks the editor for work through one typed
 * interface (PanelActions); the editor never imports this side.
 */
import * as vscode from 'vscode';
import { summarize } from '../core/bits';
import { precisionNote } from '../core/precision';
import { unreadableNotice, windowsNotice } from '../core/readability';
import { EDITOR_FULL_READING, notComputedNotice } from '../core/readingNotice';
import type { Settings } from '../core/settings';
import { visibleText } from '../core/visibleText';
import type { AnalysisStore } from '../editor/analysisStore';
import { Disposable, DisposableSlot } from '../editor/disposable';
import type { FewShotViewModel } from '../editor/fewShotViewModel';
import type { PanelActions } from '../editor/panelActions';
import type { PanelRequests } from '../editor/panelRequests';
import type { SettingsService } from '../editor/settingsService';
import type { WindTunnelStore } from '../editor/windTunnelStore';
import { isWebviewToHost, withProgress, type FewShotView, type HostToWebview, type PanelSnapshot, type RenderedChart, type SnapshotRevisions, type WebviewToHost } from '../shared/protocol';
import { heatmapLegendView } from './heatmapLegendView';
import { panelHtml } from './panelHtml';
import { Coalescer, SnapshotPart } from './panelUpdates';
import { createLensWebview } from './webviewPanel';

/** One handler per message type: the compiler checks that every type has one. */
type MessageHandlers = { readonly [K in WebviewToHost['type']]: (message: Extract<WebviewToHost, { type: K }>) => void };

/** The few-shot state the panel reads. */
type FewShotSource = Pick<FewShotViewModel, 'view' | 'viewKey' | 'progress' | 'onDidChange'>;

/** How long a chart measurement waits for the webview before giving up. */
const MEASURE_TIMEOUT_MS = 5000;

/** The shortest time between two messages caused by store changes (a few frames: the eye sees no lag, a sweep's stream is not one message per result). */
export const UPDATE_INTERVAL_MS = 150;

const sameRevisions = (a: SnapshotRevisions | undefined, b: SnapshotRevisions | undefined) =>
  a !== undefined && b !== undefined && a.document === b.document && a.windTunnel === b.windTunnel && a.fewShot === b.fewShot;

export class PanelController extends Disposable {
  private readonly panel = this.register(new DisposableSlot<vscode.WebviewPanel>());
  private readonly subscriptions = this.register(new DisposableSlot<vscode.Disposable>());
  private document?: vscode.TextDocument;
  private readonly handshook = this.register(new vscode.EventEmitter<void>());
  /** Fires when the webview said it is ready and was sent its snapshot. */
  readonly onDidHandshake = this.handshook.event;
  /** Chart measurements asked of the webview and not yet answered. */
  private measuring: Array<(charts: readonly RenderedChart[] | undefined) => void> = [];
  /** Store changes, merged into at most one post per interval. */
  private readonly updates = new Coalescer(UPDATE_INTERVAL_MS, () => this.post(false));
  /** The snapshot's sections, each rebuilt only when its inputs changed. */
  private readonly parts = {
    document: new SnapshotPart<Pick<PanelSnapshot, 'document' | 'legend' | 'series'>>(),
    windTunnel: new SnapshotPart<PanelSnapshot['windTunnel']>(),
    fewShot: new SnapshotPart<FewShotView | undefined>(),
  };
  /** What the visible webview was last sent: the sections' revisions and the progress shown. */
  private sent?: { readonly revisions: SnapshotRevisions; readonly progress: FewShotView['progress'] };
  /** Messages posted to the webview so far, by kind (what the panel costs, read by the integration tests). */
  readonly posted = { snapshots: 0, progress: 0 };
  private readonly handlers: MessageHandlers = {
    'panel/ready': () => {
      this.post(true);
      this.handshook.fire();
    },
    'panel/analyze': () => this.actions.analyze(this.document),
    'panel/revealToken': (m) => this.actions.revealToken(this.document, m.index),
    'fewShot/sweep': () => this.actions.sweep(this.document),
    'fewShot/probe': (m) => this.actions.probe(this.document, m.probe),
    'fewShot/cancel': () => this.actions.cancel(this.document),
    'fewShot/revealExample': (m) => this.actions.revealExample(this.document, m.index),
    'fewShot/export': (m) => this.actions.export(this.document, m.format),
    'fewShot/exportPng': (m) => this.actions.exportPng(this.document, m.chart, m.dataUrl),
    'fewShot/measured': (m) => this.settleMeasures(m.charts),
  };

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly store: Pick<AnalysisStore, 'latest' | 'onDidChange'>,
    private readonly settings: Pick<SettingsService, 'value' | 'onDidChange'>,
    private readonly fewShot: FewShotSource,
    private readonly windTunnels: Pick<WindTunnelStore, 'current' | 'onDidChange'>,
    private readonly requests: Pick<PanelRequests, 'onDidRequestShow' | 'setFocusedDocument'>,
    private readonly actions: PanelActions,
  ) {
    super();
    this.register(requests.onDidRequestShow((doc) => this.show(doc)));
    // A wind-tunnel run lands: show it (opening the panel if needed).
    this.register(windTunnels.onDidChange(() => this.show()));
    // New results for the active editor's document bring the panel to it; its own document's, redraw it.
    const changed = (uri: vscode.Uri) => {
      const active = vscode.window.activeTextEditor?.document;
      if (active && active !== this.document && active.uri.toString() === uri.toString()) this.setDocument(active);
      if (uri.toString() === this.document?.uri.toString()) this.updates.request();
    };
    this.register(store.onDidChange(changed));
    this.register(fewShot.onDidChange(changed));
    this.register(vscode.window.onDidChangeActiveTextEditor((e) => {
      if (e && e.document.uri.scheme !== 'output' && this.follows(e.document)) {
        this.setDocument(e.document);
        this.updates.request();
      }
    }));
    this.register(settings.onDidChange(() => this.updates.request()));
  }

  /**
   * What the few-shot charts now on screen drew, measured by the webview on
   * request (reading canvases back is not free, so never per render); undefined
   * when the panel is hidden or does not answer in time.
   */
  measureCharts(): Promise<readonly RenderedChart[] | undefined> {
    const panel = this.panel.value;
    if (!panel?.visible) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.measuring = this.measuring.filter((r) => r !== settle);
        resolve(undefined);
      }, MEASURE_TIMEOUT_MS);
      const settle = (charts: readonly RenderedChart[] | undefined) => {
        clearTimeout(timer);
        resolve(charts);
      };
      this.measuring.push(settle);
      const message: HostToWebview = { type: 'fewShot/measure' };
      void panel.webview.postMessage(message);
    });
  }

  override dispose(): void {
    this.updates.dispose();
    this.settleMeasures(undefined);
    super.dispose();
  }

  /** Open the panel beside the editor, or reveal it, showing `doc` (default: the active editor's, unless the panel keeps its results). */
  show(doc?: vscode.TextDocument): void {
    const active = vscode.window.activeTextEditor?.document;
    this.setDocument(doc ?? (active && this.follows(active) ? active : this.document));
    this.post(false);
    if (this.panel.value) {
      // In its own group: "beside" would move a focused panel into a new group.
      this.panel.value.reveal(undefined, true);
      return;
    }
    // Hidden behind another tab and shown again, the panel keeps its charts and its scroll position.
    const panel = createLensWebview(this.extensionUri, { viewType: 'iclLens.panel', title: 'ICL Lens', script: 'main.js', style: 'panel.css', retainContextWhenHidden: true, html: panelHtml });
    const subs = [
      panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m)),
      panel.onDidChangeViewState((e) => {
        this.reportFocus();
        // Hidden, it was sent nothing: shown again, it gets the whole snapshot.
        if (e.webviewPanel.visible) this.post(true);
      }),
      panel.onDidDispose(() => {
        this.requests.setFocusedDocument(undefined);
        this.subscriptions.value = undefined;
        if (this.panel.value === panel) this.panel.value = undefined;
      }),
    ];
    this.subscriptions.value = vscode.Disposable.from(...subs);
    this.panel.value = panel;
  }

  /**
   * Whether the panel leaves its document for `doc`, the newly active editor's:
   * not when that would trade few-shot results for a document with nothing to
   * show (plain notes, the file an export wrote). The summary names the document.
   */
  private follows(doc: vscode.TextDocument): boolean {
    const current = this.document;
    if (!current || current.isClosed || doc === current || !this.fewShot.view(current)) return true;
    return this.fewShot.view(doc) !== undefined || this.store.latest(doc.uri) !== undefined;
  }

  private setDocument(doc: vscode.TextDocument | undefined): void {
    this.document = doc;
    this.reportFocus();
  }

  /** Tell the editor which document a palette command acts on while the panel has focus. */
  private reportFocus(): void {
    const panel = this.panel.value;
    this.requests.setFocusedDocument(panel?.active ? this.document : undefined);
  }

  private settleMeasures(charts: readonly RenderedChart[] | undefined): void {
    const waiting = this.measuring;
    this.measuring = [];
    for (const settle of waiting) settle(charts);
  }

  private receive(message: unknown): void {
    if (!isWebviewToHost(message)) return;
    (this.handlers[message.type] as (m: WebviewToHost) => void)(message);
  }

  /**
   * Send the visible webview what changed: the whole snapshot when a section
   * did (or `force`: the handshake, the panel shown again), else the progress if
   * only that moved, else nothing.
   */
  private post(force: boolean): void {
    const panel = this.panel.value;
    if (!panel?.visible) return;
    this.updates.cancel();
    const snapshot = this.snapshot();
    const revisions = snapshot.revisions!;
    const progress = snapshot.fewShot?.progress;
    const sent = this.sent;
    let message: HostToWebview;
    if (!force && sent && sameRevisions(sent.revisions, revisions)) {
      if (sent.progress === progress) return;
      message = { type: 'panel/progress', progress };
      this.posted.progress++;
    } else {
      message = { type: 'panel/snapshot', snapshot };
      this.posted.snapshots++;
    }
    this.sent = { revisions, progress };
    void panel.webview.postMessage(message);
  }

  private snapshot(): PanelSnapshot {
    const settings = this.settings.value;
    const doc = this.document;
    const stored = doc && this.store.latest(doc.uri);
    const current = this.windTunnels.current;
    const windTunnel = this.parts.windTunnel.get([current], () => current);
    const view = this.parts.fewShot.get(this.fewShot.viewKey(doc), () => this.fewShot.view(doc));
    const fewShot = view && withProgress(view, this.fewShot.progress(doc));
    const document = this.parts.document.get([doc, stored, doc?.version, settings.metric, settings.scaleMaxBits], () => this.documentPart(doc, stored, settings));
    const revisions = { document: this.parts.document.revision, windTunnel: this.parts.windTunnel.revision, fewShot: this.parts.fewShot.revision };
    return { schema: 1, metric: settings.metric, revisions, ...document, windTunnel, fewShot };
  }

  /** The summary, legend and per-token series of `doc`'s latest analysis. */
  private documentPart(doc: vscode.TextDocument | undefined, stored: ReturnType<AnalysisStore['latest']>, settings: Settings): Pick<PanelSnapshot, 'document' | 'legend' | 'series'> {
    if (!doc || !stored) return {};
    const metric = settings.metric;
    const { analysis } = stored;
    const s = summarize(analysis.tokens);
    const unreadable = unreadableNotice(s, analysis.model.vocabSize, analysis.model.name)?.message;
    const windows = windowsNotice(analysis) ?? undefined;
    const notComputed = notComputedNotice(analysis.route, EDITOR_FULL_READING) ?? undefined;
    const precision = precisionNote(analysis.route.precision) ?? undefined;
    return {
      document: {
        name: vscode.workspace.asRelativePath(doc.uri),
        model: analysis.model.name,
        route: analysis.route.scorer,
        tokens: s.tokens,
        perplexity: s.perplexity,
        meanEntropy: s.meanEntropy,
        meanSurprisal: s.meanSurprisal,
        stale: stored.version !== doc.version,
        ...(unreadable ? { unreadable } : {}),
        ...(windows ? { windows } : {}),
        ...(notComputed ? { notComputed } : {}),
        ...(precision ? { precision } : {}),
      },
      legend: heatmapLegendView(metric, settings.scaleMaxBits),
      series: {
        labels: analysis.tokens.map((t) => visibleText(t.text)),
        entropy: analysis.tokens.map((t) => t.entropy),
        surprisal: analysis.tokens.map((t) => t.surprisal),
        ...(analysis.tokens.some((t) => t.template) ? { template: analysis.tokens.map((t) => t.template === true) } : {}),
      },
    };
  }
}
