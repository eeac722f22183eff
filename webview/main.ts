// The panel app: handshake with the host, render snapshots, send user actions.
import { assertNever, isHostToWebview, type PanelSnapshot, type WebviewToHost } from '../src/shared/protocol';
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

function render(snapshot: PanelSnapshot): void {
  const d = snapshot.document;
  summary.textContent = d
    ? `${d.name}${d.stale ? ' (edited since)' : ''} — ${d.model}, ${d.tokens} tokens, perplexity ${d.perplexity === null ? '—' : d.perplexity.toFixed(2)}, mean entropy ${bits(d.meanEntropy)}, mean surprisal ${bits(d.meanSurprisal)} (${d.route} route)`
    : 'Open a prompt and run “ICL Lens: Analyze Prompt”.';
  summary.classList.toggle('muted', !d);
  // A model that reads the text no better than chance: say so above the chart, which means nothing then.
  const notice = [d?.unreadable, d?.windows].filter(Boolean).join(' ');
  documentNotice.textContent = notice;
  documentNotice.hidden = notice.length === 0;
  documentNotice.classList.toggle('notice-warn', d?.unreadable !== undefined);
  legend.render(snapshot.legend);
  chart.render(snapshot);
  const wt = snapshot.windTunnel;
  windTunnelSection.hidden = !wt;
  if (wt) {
    windTunnelSummary.textContent = `${wt.sequences} sequences from seed ${wt.seed}, ${wt.model}. ${wt.verdict}`;
    windTunnelSummary.className = `few-shot-verdict tone-${wt.pass ? 'good' : 'bad'}`;
  }
  windTunnelChart.render(wt);
  fewShot.render(snapshot.fewShot);
  vscode.setState({ schema: 1, snapshot });
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isHostToWebview(message)) return;
  switch (message.type) {
    case 'panel/snapshot':
      render(message.snapshot);
      return;
    case 'fewShot/measure':
      send({ type: 'fewShot/measured', charts: [...chart.measure(), ...fewShot.measure()] });
      return;
    default:
      assertNever(message);
  }
});

const saved = vscode.getState();
if (saved?.schema === 1 && saved.snapshot) render(saved.snapshot);
send({ type: 'panel/ready' });
