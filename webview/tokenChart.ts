// The per-token chart: entropy and surprisal (bits) against token index, in the
// theme's colours, rebuilt when the theme changes and updated in place
// otherwise. Only the chart.js parts used are registered.
import { CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import type { PanelSnapshot } from '../src/shared/protocol';
import { paddedBounds, valueRange } from '../src/shared/chartAxes';
import { CHART_SERIES, chartColors } from '../src/shared/chartColors';
import { drawChart } from './chartInstances';
import { onThemeChange, readChartTheme } from './chartTheme';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Tooltip, Legend);

export class TokenChart {
  private chart?: Chart<'line', Array<number | null>, string>;
  private last?: PanelSnapshot;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly onPick: (index: number) => void) {
    onThemeChange(() => { if (this.last) this.render(this.last, true); });
  }

  render(snapshot: PanelSnapshot, rebuild = false): void {
    this.last = snapshot;
    const series = snapshot.series;
    if (!series) {
      this.chart?.destroy();
      this.chart = undefined;
      return;
    }
    const theme = readChartTheme();
    const { foreground, grid } = theme;
    const color = chartColors(theme, CHART_SERIES.tokens);
    // From 0 bits, padded: a token of 0 bits stays above the axis line.
    const y = paddedBounds(0, Math.max(valueRange([...series.entropy, ...series.surprisal])?.hi ?? 1, 1e-3));
    const datasets = [
      { label: 'entropy (bits)', data: [...series.entropy], borderColor: color.entropy, hidden: false },
      { label: 'surprisal (bits)', data: [...series.surprisal], borderColor: color.surprisal, hidden: false },
    ].map((d) => ({ ...d, backgroundColor: d.borderColor, pointRadius: 1.5, borderWidth: 1.5, spanGaps: false }));
    this.chart = drawChart(this.canvas, this.chart, {
      type: 'line',
      data: { labels: [...series.labels], datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { ticks: { color: foreground, maxRotation: 0, autoSkip: true }, grid: { color: grid } },
          y: { title: { display: true, text: 'bits', color: foreground }, ticks: { color: foreground, includeBounds: false }, grid: { color: grid }, min: y.min, max: y.max },
        },
        plugins: {
          legend: { labels: { color: foreground } },
          tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${typeof item.raw === 'number' ? item.raw.toFixed(3) : '—'}` } },
        },
        onClick: (_event, elements) => { if (elements[0]) this.onPick(elements[0].index); },
      },
    } as Parameters<typeof drawChart>[2], rebuild);
  }
}
