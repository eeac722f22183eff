// The per-token chart: entropy and surprisal (bits) against token index, in the
// theme's colours, redrawn when the theme changes. Only the chart.js parts used
// are registered.
import { CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import type { PanelSnapshot } from '../src/shared/protocol';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Tooltip, Legend);

const css = (name: string, fallback: string) => getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;

export class TokenChart {
  private chart?: Chart<'line', Array<number | null>, string>;
  private last?: PanelSnapshot;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly onPick: (index: number) => void) {
    // VS Code swaps body classes on theme changes: redraw with the new colours.
    new MutationObserver(() => { if (this.last) this.render(this.last, true); }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  render(snapshot: PanelSnapshot, rebuild = false): void {
    this.last = snapshot;
    const series = snapshot.series;
    if (!series) {
      this.chart?.destroy();
      this.chart = undefined;
      return;
    }
    if (rebuild) {
      this.chart?.destroy();
      this.chart = undefined;
    }
    const foreground = css('--vscode-foreground', '#cccccc');
    const grid = css('--vscode-editorWidget-border', '#444444');
    const datasets = [
      { label: 'entropy (bits)', data: [...series.entropy], borderColor: css('--vscode-charts-blue', '#3794ff'), hidden: false },
      { label: 'surprisal (bits)', data: [...series.surprisal], borderColor: css('--vscode-charts-orange', '#d18616'), hidden: false },
    ].map((d) => ({ ...d, backgroundColor: d.borderColor, pointRadius: 1.5, borderWidth: 1.5, spanGaps: false }));
    if (this.chart) {
      this.chart.data.labels = [...series.labels];
      this.chart.data.datasets.forEach((d, i) => { d.data = datasets[i].data; });
      this.chart.update('none');
      return;
    }
    this.chart = new Chart(this.canvas, {
      type: 'line',
      data: { labels: [...series.labels], datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { ticks: { color: foreground, maxRotation: 0, autoSkip: true }, grid: { color: grid } },
          y: { title: { display: true, text: 'bits', color: foreground }, ticks: { color: foreground }, grid: { color: grid }, beginAtZero: true },
        },
        plugins: {
          legend: { labels: { color: foreground } },
          tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${typeof item.raw === 'number' ? item.raw.toFixed(3) : '—'}` } },
        },
        onClick: (_event, elements) => { if (elements[0]) this.onPick(elements[0].index); },
      },
    });
  }
}
