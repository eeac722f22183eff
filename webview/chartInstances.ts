// Charts are kept and updated in place: a new configuration of the same
// structure (chart type, each dataset's type, axis and stack, the scales and
// their types) replaces the chart's data and options and redraws without
// animation; a different structure, or a theme switch, rebuilds the chart.
// Every chart constructed gets the next generation number, written on its
// canvas (`data-generation`): a chart updated in place keeps its number.
import { Chart, type ChartConfiguration, type ChartType } from 'chart.js';

type AnyChart = Chart<ChartType, unknown[], unknown>;
type AnyConfig = ChartConfiguration<ChartType, unknown[], unknown>;

let constructed = 0;
const structures = new WeakMap<AnyChart, string>();

/** What decides whether a configuration can replace a chart's in place. */
export function chartStructure(config: AnyConfig): string {
  const datasets = (config.data.datasets as unknown as ReadonlyArray<Record<string, unknown>>).map((d) => [d.type ?? null, d.xAxisID ?? null, d.yAxisID ?? null, d.stack ?? null]);
  const scales = Object.entries(config.options?.scales ?? {}).map(([id, s]) => [id, (s as { type?: unknown } | undefined)?.type ?? null]);
  return JSON.stringify([config.type, datasets, scales]);
}

/** The generation number of the chart drawn on `canvas` (0: none drawn yet). */
export function chartGeneration(canvas: HTMLCanvasElement): number {
  return Number(canvas.dataset.generation ?? 0);
}

/**
 * `config` drawn on `canvas`: `existing` updated in place when its structure is
 * the same and `rebuild` is not asked for, else `existing` destroyed and a new chart made.
 */
export function drawChart<C extends AnyChart>(canvas: HTMLCanvasElement, existing: C | undefined, config: AnyConfig, rebuild = false): C {
  const structure = chartStructure(config);
  if (existing && !rebuild && structures.get(existing) === structure) {
    existing.data = config.data;
    existing.options = config.options ?? {};
    existing.update('none');
    return existing;
  }
  existing?.destroy();
  const chart = new Chart(canvas, config) as unknown as C;
  structures.set(chart, structure);
  canvas.dataset.generation = String(++constructed);
  return chart;
}
