// The few-shot charts on the page: one figure per chart spec (title, Export PNG
// button, an out-of-date mark with Re-run for a probe's chart, canvas, note),
// updated in place for every view (rebuilt when its structure changes, and on
// theme changes: chartInstances.ts); a chart that appears for the
// document already shown (a probe's result) scrolls into view. When
// the host asks (never per draw: reading every canvas back costs), it measures,
// per visible chart, how many points it drew and whether the canvas really has
// pixels.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, ScatterController, Tooltip, type ActiveElement, type ChartEvent, type ChartType, type Plugin } from 'chart.js';
import type { FewShotProbe, FewShotView, RenderedChart } from '../src/shared/protocol';
import { chartGeneration, drawChart } from './chartInstances';
import { onThemeChange, readChartTheme } from './chartTheme';
import type { FewShotChartBuild, FewShotChartSpec } from './fewShotChartSpec';
import { calibrationChart, orderChart, randomLabelsChart } from './fewShotProbeCharts';
import { entropyChart, looChart, posteriorChart, prequentialChart, targetChart } from './fewShotSweepCharts';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, ScatterController, LinearScale, LogarithmicScale, CategoryScale, Tooltip, Legend);

/** The charts, in page order. */
const SPECS: readonly FewShotChartSpec[] = [posteriorChart, targetChart, prequentialChart, entropyChart, looChart, orderChart, calibrationChart, randomLabelsChart];

/** What the charts ask of their owner. */
export interface FewShotChartsEvents {
  /** A point or bar standing for example `index` (1-based) was clicked. */
  revealExample(index: number): void;
  /** The user asked for chart `id` as a PNG. */
  exportPng(id: string, dataUrl: string): void;
  /** The user asked to re-run `probe`, whose chart is out of date. */
  rerun(probe: FewShotProbe): void;
}

export type DrawnChart = Chart<ChartType, unknown[], unknown>;

interface Slot {
  readonly spec: FewShotChartSpec;
  readonly figure: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  readonly verdict: HTMLElement;
  readonly note: HTMLElement;
  readonly stale: HTMLElement;
  chart?: DrawnChart;
  /** What the chart now draws (its click and cursor read it). */
  build?: FewShotChartBuild;
}

/**
 * Data points drawn across a chart's visible datasets: elements with a finite
 * position inside the plot area (nulls are gaps, and a point the scale could not
 * place is not drawn).
 */
export function countPoints(chart: DrawnChart): number {
  return seriesPoints(chart).reduce((n, s) => n + s.points, 0);
}

/** Per visible dataset: its legend label, the points it drew (as countPoints counts them) and its data. */
export function seriesPoints(chart: DrawnChart): Array<{ label: string; points: number; values: Array<number | null> }> {
  const area = chart.chartArea;
  const inside = (x: number, y: number) => x >= area.left - 1 && x <= area.right + 1 && y >= area.top - 1 && y <= area.bottom + 1;
  return chart.data.datasets.flatMap((dataset, i) => {
    if (!chart.isDatasetVisible(i)) return [];
    let n = 0;
    chart.getDatasetMeta(i).data.forEach((element, j) => {
      const value = dataset.data[j];
      const { x, y } = element;
      if (value === null || value === undefined || (element as { skip?: boolean }).skip || !Number.isFinite(x) || !Number.isFinite(y) || !inside(x, y)) return;
      n++;
    });
    const values = dataset.data.map((v) => (typeof v === 'number' && Number.isFinite(v) ? v : null));
    return [{ label: String(dataset.label ?? ''), points: n, values }];
  });
}

/** Whether some of `element` is inside the viewport. */
export function isInView(element: HTMLElement): boolean {
  const r = element.getBoundingClientRect();
  return r.height > 0 && r.bottom > 0 && r.top < window.innerHeight;
}

/** Whether the canvas has at least one pixel that is not fully transparent. */
export function isPainted(canvas: HTMLCanvasElement): boolean {
  if (canvas.width === 0 || canvas.height === 0) return false;
  const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
  if (!data) return false;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
  return false;
}

/** The chart's pixels on the theme's background (a transparent PNG is unreadable outside the editor). */
function pngOf(canvas: HTMLCanvasElement, background: string): string {
  const out = document.createElement('canvas');
  out.width = canvas.width;
  out.height = canvas.height;
  const ctx = out.getContext('2d');
  if (!ctx) return canvas.toDataURL('image/png');
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(canvas, 0, 0);
  return out.toDataURL('image/png');
}

/** Owns the few-shot chart figures inside `container` and the chart.js instances drawn in them. */
export class FewShotCharts {
  private readonly slots: readonly Slot[];
  private last?: FewShotView;

  constructor(container: HTMLElement, private readonly events: FewShotChartsEvents) {
    this.slots = SPECS.map((spec) => this.createSlot(container, spec));
    onThemeChange(() => { if (this.last) this.render(this.last, true); });
  }

  /** Per visible chart: the points it drew and whether its canvas has pixels. */
  measure(): RenderedChart[] {
    return this.slots.flatMap((slot) => (slot.chart
      ? [{ id: slot.spec.id, points: countPoints(slot.chart), painted: isPainted(slot.canvas), stale: !slot.stale.hidden, inView: isInView(slot.figure), generation: chartGeneration(slot.canvas), series: seriesPoints(slot.chart) }]
      : []));
  }

  /**
   * Draw `view` (or clear everything when undefined), updating the charts in
   * place unless `rebuild`. The container must be displayed: charts size
   * themselves from it.
   */
  render(view: FewShotView | undefined, rebuild = false): void {
    const previous = this.last;
    const drawnBefore = new Set(this.slots.filter((s) => s.chart).map((s) => s.spec.id));
    this.last = view;
    if (!view) {
      for (const slot of this.slots) this.clear(slot);
      return;
    }
    const theme = readChartTheme();
    // Show or hide every figure first so each chart sizes itself against the final layout.
    const builds = this.slots.map((slot) => {
      const build = slot.spec.build(view, theme);
      slot.figure.hidden = !build;
      return build;
    });
    this.slots.forEach((slot, i) => {
      const build = builds[i];
      slot.build = build;
      if (!build) {
        this.clear(slot);
        return;
      }
      slot.canvas.setAttribute('aria-label', build.description);
      slot.verdict.textContent = build.verdict?.text ?? '';
      slot.verdict.className = `few-shot-verdict tone-${build.verdict?.tone ?? 'neutral'}`;
      slot.verdict.hidden = !build.verdict;
      slot.note.textContent = build.note ?? '';
      slot.note.hidden = !build.note;
      const outOfDate = slot.spec.probe !== undefined && view.staleProbes.includes(slot.spec.probe);
      slot.stale.hidden = !outOfDate;
      slot.figure.classList.toggle('stale', outOfDate);
      slot.chart = drawChart(slot.canvas, slot.chart, this.interactive(slot, build), rebuild);
    });
    // New results for the document already shown (a probe's chart, the first sweep chart) come into view.
    if (previous?.uri === view.uri) {
      const fresh = this.slots.find((s, i) => builds[i] && !drawnBefore.has(s.spec.id));
      fresh?.figure.scrollIntoView({ block: 'nearest' });
    }
  }

  /** No chart in `slot`: destroyed, its figure hidden. */
  private clear(slot: Slot): void {
    slot.chart?.destroy();
    slot.chart = undefined;
    slot.build = undefined;
    slot.figure.hidden = true;
  }

  /**
   * The build's configuration with click-to-reveal and a pointer cursor over
   * example points, both reading the slot's current build (the cursor plugin
   * stays with the chart across in-place updates).
   */
  private interactive(slot: Slot, build: FewShotChartBuild): FewShotChartBuild['config'] {
    const canvas = slot.canvas;
    const exampleOf = (elements: ReadonlyArray<{ datasetIndex: number; index: number }>) => {
      for (const e of elements) {
        const index = slot.build?.exampleAt?.(e.datasetIndex, e.index);
        if (index !== undefined) return index;
      }
      return undefined;
    };
    // After every event (including leaving the plot area, where onHover is not called).
    const cursor: Plugin = {
      id: 'fewShotPickCursor',
      afterEvent: (chart, args) => {
        canvas.classList.toggle('pickable', args.inChartArea && exampleOf(chart.getActiveElements()) !== undefined);
      },
    };
    return {
      ...build.config,
      plugins: [...(build.config.plugins ?? []), cursor],
      options: {
        ...build.config.options,
        onClick: (_event: ChartEvent, elements: ActiveElement[]) => {
          const index = exampleOf(elements);
          if (index !== undefined) this.events.revealExample(index);
        },
      },
    } as FewShotChartBuild['config'];
  }

  private createSlot(container: HTMLElement, spec: FewShotChartSpec): Slot {
    const figure = document.createElement('figure');
    figure.className = 'few-shot-figure';
    figure.hidden = true;
    figure.dataset.chart = spec.id;
    const caption = document.createElement('figcaption');
    const title = document.createElement('span');
    title.className = 'few-shot-title';
    title.textContent = spec.title;
    const exportButton = document.createElement('vscode-button');
    exportButton.setAttribute('appearance', 'secondary');
    exportButton.setAttribute('aria-label', `Export the ${spec.title} chart as PNG`);
    exportButton.textContent = 'Export PNG';
    caption.append(title, exportButton);
    const box = document.createElement('div');
    box.className = 'chart few-shot-chart';
    const canvas = document.createElement('canvas');
    canvas.id = `few-shot-${spec.id}`;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', spec.title);
    box.append(canvas);
    const verdict = document.createElement('p');
    verdict.className = 'few-shot-verdict';
    verdict.hidden = true;
    const note = document.createElement('p');
    note.className = 'few-shot-note muted';
    note.hidden = true;
    const stale = document.createElement('p');
    stale.className = 'few-shot-stale';
    stale.setAttribute('role', 'status');
    stale.hidden = true;
    const staleText = document.createElement('span');
    staleText.textContent = 'Out of date: the prompt changed since this probe ran.';
    stale.append(staleText);
    if (spec.probe !== undefined) {
      const probe = spec.probe;
      const rerun = document.createElement('vscode-button');
      rerun.setAttribute('appearance', 'secondary');
      rerun.setAttribute('aria-label', `Re-run the ${spec.title} probe`);
      rerun.dataset.rerun = probe;
      rerun.textContent = 'Re-run';
      rerun.addEventListener('click', () => this.events.rerun(probe));
      stale.append(rerun);
    }
    figure.append(caption, stale, box, verdict, note);
    container.append(figure);
    exportButton.addEventListener('click', () => {
      if (this.slots.find((s) => s.spec.id === spec.id)?.chart) this.events.exportPng(spec.id, pngOf(canvas, readChartTheme().background));
    });
    return { spec, figure, canvas, verdict, note, stale };
  }
}
