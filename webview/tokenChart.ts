// The per-token chart: entropy and surprisal (bits) against token index, in the
// theme's colours, rebuilt when the theme changes and updated in place
// otherwise. On a chat the template's tokens (role headers, special tokens) are
// drawn as larger diamonds and named in the tooltip. Only the chart.js parts
// used are registered.
import { CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import type { PanelSnapshot, RenderedChart } from '../src/shared/protocol';
import { paddedBounds, valueRange } from '../src/shared/chartAxes';
import { CHART_SERIES, chartColors } from '../src/shared/chartColors';
import { drawChart } from './chartInstances';
import { onThemeChange, readChartTheme } from './chartTheme';
import { countPoints, isInView, isPainted, seriesPoints, type DrawnChart } from './fewShotCharts';

/** How the chart draws a chat template's token (a content token is a small circle). */
const TEMPLATE_POINT = 'rectRot';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Tooltip, Legend);

export class TokenChart {
  private chart?: Chart<'line', Array<number | null>, string>;
  private last?: PanelSnapshot;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly onPick: (index: number) => void) {
    onThemeChange(() => { if (this.last) this.render(this.last, true); });
  }

  /** What the chart drew, as the few-shot charts measure themselves (for the host's `fewShot/measure`); nothing when no chart. */
  measure(): RenderedChart[] {
    if (!this.chart) return [];
    const chart = this.chart as unknown as DrawnChart;
    const styles = this.chart.data.datasets[0]?.pointStyle;
    const templatePoints = Array.isArray(styles) ? styles.flatMap((s, i) => (s === TEMPLATE_POINT ? [i] : [])) : [];
    return [{ id: 'tokens', points: countPoints(chart), painted: isPainted(this.canvas), stale: false, inView: isInView(this.canvas), series: seriesPoints(chart), templatePoints }];
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
    const template = series.template;
    const pointStyle = template ? template.map((t) => (t ? TEMPLATE_POINT : 'circle')) : 'circle';
    const pointRadius = template ? template.map((t) => (t ? 3 : 1.5)) : 1.5;
    const datasets = [
      { label: 'entropy (bits)', data: [...series.entropy], borderColor: color.entropy, hidden: false },
      { label: 'surprisal (bits)', data: [...series.surprisal], borderColor: color.surprisal, hidden: false },
    ].map((d) => ({ ...d, backgroundColor: d.borderColor, pointStyle, pointRadius, borderWidth: 1.5, spanGaps: false }));
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
          tooltip: {
            callbacks: {
              title: (items) => items.map((i) => `${i.label}${this.last?.series?.template?.[i.dataIndex] ? ' (chat template)' : ''}`).slice(0, 1),
              label: (item) => `${item.dataset.label}: ${typeof item.raw === 'number' ? item.raw.toFixed(3) : '—'}`,
            },
          },
        },
        onClick: (_event, elements) => { if (elements[0]) this.onPick(elements[0].index); },
      },
    } as Parameters<typeof drawChart>[2], rebuild);
  }
}
