// The panel app: handshake with the host, render snapshots, send user actions.
// A snapshot redraws only the sections whose revision moved (charts are updated
// in place); a progress message moves only the few-shot progress.
import { assertNever, isHostToWebview, withProgress, type FewShotView, type PanelSnapshot, type SnapshotRevisions, type WebviewToHost } from '../src/shared/protocol';
import { FewShotSection } from './fewShotSection';
import { HeatmapLegend } from './heatmapLegend';
import { TokenChart } from './tokenChart';
import { registerToolkit } from './toolkit';
import { WindTunnelChart } from './windTunnelChart';

interface UiState {
  readonly schema: 1;
  readonly snapshot?: PanelSnapshot;
}

const vscode = acquireVsCodeApi<UiState>();
const send = (m: WebviewToHost) => vscode.postMessage(m);

registerToolkit();
const summary = document.getElementById('summary')!;
const documentNotice = document.getElementById('document-notice')!;
const legend = new HeatmapLegend(document.getElementById('heatmap-legend')!);
const chart = new TokenChart(document.getElementById('tokens') as HTMLCanvasElement, (index) => send({ type: 'panel/revealToken', index }));
document.getElementById('analyze')!.addEventListener('click', () => send({ type: 'panel/analyze' }));
const windTunnelSection = document.getElementById('wind-tunnel')!;
const windTunnelSummary = document.getElementById('wind-tunnel-summary')!;
const windTunnelChart = new WindTunnelChart(document.getElementById('wind-tunnel-chart') as HTMLCanvasElement);
const fewShot = new FewShotSection(document.getElementById('few-shot')!, send);

const bits = (x: number | null) => (x === null ? '—' : `${x.toFixed(2)} bits`);

/** The snapshot on screen (with the progress since applied). */
let shown: PanelSnapshot | undefined;

function render(snapshot: PanelSnapshot): void {
  const before = shown?.revisions;
  const now = snapshot.revisions;
  // Without revisions on both sides (the first snapshot, one restored from saved state) everything is drawn.
  const changed = (section: keyof SnapshotRevisions) => !before || !now || before[section] !== now[section];
  if (changed('document')) renderDocument(snapshot);
  if (changed('windTunnel')) renderWindTunnel(snapshot);
  fewShot.render(snapshot.fewShot, changed('fewShot'));
  shown = snapshot;
  vscode.setState({ schema: 1, snapshot });
}

/** The few-shot run's progress moved, nothing else. */
function renderProgress(progress: FewShotView['progress']): void {
  if (!shown?.fewShot) return;
  shown = { ...shown, fewShot: withProgress(shown.fewShot, progress) };
  fewShot.render(shown.fewShot, false);
}

function renderDocument(snapshot: PanelSnapshot): void {
  const d = snapshot.document;
  summary.textContent = d
    ? `${d.name}${d.stale ? ' (edited since)' : ''} — ${d.model}, ${d.tokens} tokens, perplexity ${d.perplexity === null ? '—' : d.perplexity.toFixed(2)}, mean entropy ${bits(d.meanEntropy)}, mean surprisal ${bits(d.meanSurprisal)} (${d.route} route)`
    : 'Open a prompt and run “ICL Lens: Analyze Prompt”.';
  summary.classList.toggle('muted', !d);
  // A model that reads the text no better than chance: say so above the chart, which means nothing then.
  const notice = [d?.unreadable, d?.windows, d?.notComputed, d?.precision && `${d.precision.charAt(0).toUpperCase()}${d.precision.slice(1)}.`].filter(Boolean).join(' ');
  documentNotice.textContent = notice;
  documentNotice.hidden = notice.length === 0;
  documentNotice.classList.toggle('notice-warn', d?.unreadable !== undefined);
  legend.render(snapshot.legend);
  chart.render(snapshot);
}

function renderWindTunnel(snapshot: PanelSnapshot): void {
  const wt = snapshot.windTunnel;
  windTunnelSection.hidden = !wt;
  if (wt) {
    windTunnelSummary.textContent = `${wt.sequences} sequences from seed ${wt.seed}, ${wt.model}. ${wt.verdict}`;
    windTunnelSummary.className = `few-shot-verdict tone-${wt.pass ? 'good' : 'bad'}`;
  }
  windTunnelChart.render(wt);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isHostToWebview(message)) return;
  switch (message.type) {
    case 'panel/snapshot':
      render(message.snapshot);
      return;
    case 'panel/progress':
      renderProgress(message.progress);
      return;
    case 'fewShot/measure':
      send({ type: 'fewShot/measured', charts: [...chart.measure(), ...fewShot.measure()] });
      return;
    default:
      assertNever(message);
  }
});

const saved = vscode.getState();
// Restored, it draws all; the host's first snapshot (revisions of another life) draws all again.
if (saved?.schema === 1 && saved.snapshot) render({ ...saved.snapshot, revisions: undefined });
send({ type: 'panel/ready' });
