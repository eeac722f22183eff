/** The panel's heatmap legend: the levels of the current metric and scale, as the webview draws them. */
import type { Metric } from '../core/analysis';
import { HIGH_CONTRAST_CUES, legendRows, legendTitle, levelCssVariable } from '../core/heatmapPalette';
import type { HeatmapLegendView } from '../shared/protocol';

export function heatmapLegendView(metric: Metric, maxBits: number): HeatmapLegendView {
  return {
    title: legendTitle(metric),
    levels: legendRows(maxBits).map((r) => ({ level: r.level, range: r.range, cssVariable: levelCssVariable(r.level), underline: HIGH_CONTRAST_CUES[r.level] })),
  };
}
