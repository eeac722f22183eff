// The wind-tunnel chart: KL(analytic ‖ model) and |ΔH| per position on a log
// scale, with the paper's reference lines (0.1 bits KL pass line, 0.007 bits
// entropy error) and the analytic entropy curve on a linear axis.
import { CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, Tooltip } from 'chart.js';
import type { WindTunnelView } from '../src/shared/protocol';
import { paddedBounds, valueRange } from '../src/shared/chartAxes';
import { CHART_SERIES, chartColors } from '../src/shared/chartColors';
import { drawChart } from './chartInstances';
import { onThemeChange, readChartTheme } from './chartTheme';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, CategoryScale, Tooltip, Legend);

/** Log axes cannot show 0: values below the floor are drawn at it (the tooltip keeps the exact value). */
const FLOOR = 1e-6;
/** The log axis reaches a little below the floor, so a series drawn at the floor is off the border. */
const AXIS_MIN = FLOOR / 2;

export class WindTunnelChart {
  private chart?: Chart<'line', number[], string>;
  private last?: WindTunnelView;

  constructor(private readonly canvas: HTMLCanvasElement) {
    onThemeChange(() => { if (this.last) this.render(this.last, true); });
  }

  /** Draw `view` (updating the chart in place unless `rebuild`), or remove the chart. */
  render(view: WindTunnelView | undefined, rebuild = false): void {
    this.last = view;
    if (!view) {
      this.chart?.destroy();
      this.chart = undefined;
      return;
    }
    const theme = readChartTheme();
    const { foreground, grid } = theme;
    // Six series, six colours in every theme: the reference lines no longer share their series' colour.
    const c = chartColors(theme, CHART_SERIES.windTunnel);
    const h = paddedBounds(0, Math.max(valueRange(view.positions.flatMap((p) => [p.analyticEntropy, p.modelEntropy]))?.hi ?? 1, 1e-3));
    const labels = view.positions.map((p) => String(p.t));
    const line = (label: string, data: number[], color: string, axis: 'y' | 'h', dashed = false) => ({
      label, data, borderColor: color, backgroundColor: color, yAxisID: axis, pointRadius: dashed ? 0 : 2, borderWidth: 1.5,
      borderDash: dashed ? [6, 4] : [],
    });
    const floor = (x: number) => Math.max(FLOOR, x);
    this.chart = drawChart(this.canvas, this.chart, {
      type: 'line',
      data: {
        labels,
        datasets: [
          line('KL(analytic ‖ model), bits', view.positions.map((p) => floor(p.kl)), c.kl, 'y'),
          line('|ΔH|, bits', view.positions.map((p) => floor(p.entropyError)), c.entropyError, 'y'),
          line(`KL pass line ${view.reference.klPassBits}`, labels.map(() => view.reference.klPassBits), c.klPassLine, 'y', true),
          line(`paper's |ΔH| ${view.reference.entropyErrorBits}`, labels.map(() => view.reference.entropyErrorBits), c.paperEntropyError, 'y', true),
          line('analytic entropy, bits', view.positions.map((p) => p.analyticEntropy), c.analyticEntropy, 'h'),
          line('model entropy, bits', view.positions.map((p) => p.modelEntropy), c.modelEntropy, 'h', true),
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { title: { display: true, text: 'position t', color: foreground }, ticks: { color: foreground }, grid: { color: grid } },
          y: { type: 'logarithmic', position: 'left', min: AXIS_MIN, title: { display: true, text: 'error (bits, log)', color: foreground }, ticks: { color: foreground }, grid: { color: grid } },
          h: { type: 'linear', position: 'right', min: h.min, max: h.max, title: { display: true, text: 'entropy (bits)', color: foreground }, ticks: { color: foreground, includeBounds: false }, grid: { drawOnChartArea: false } },
        },
        plugins: {
          legend: { labels: { color: foreground, boxHeight: 2 } },
          tooltip: {
            callbacks: {
              label: (item) => {
                const p = view.positions[item.dataIndex];
                const exact = [p.kl, p.entropyError, view.reference.klPassBits, view.reference.entropyErrorBits, p.analyticEntropy, p.modelEntropy][item.datasetIndex];
                return `${item.dataset.label}: ${exact.toPrecision(4)}`;
              },
            },
          },
        },
      },
    } as Parameters<typeof drawChart>[2], rebuild);
  }
}
