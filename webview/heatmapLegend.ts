// The heatmap's legend strip: one swatch per level with the bits it stands for.
// Swatches take the theme colours' CSS variables, so they follow a theme switch
// by themselves; in high-contrast themes (body.vscode-high-contrast, set for
// both kinds) the stylesheet adds the underline the editor paints.
import type { HeatmapLegendView } from '../src/shared/protocol';

export class HeatmapLegend {
  constructor(private readonly root: HTMLElement) {}

  render(legend: HeatmapLegendView | undefined): void {
    this.root.hidden = !legend;
    if (!legend) return;
    this.root.setAttribute('aria-label', `Heatmap colours: ${legend.title}`);
    const title = document.createElement('span');
    title.className = 'heatmap-legend-title';
    title.textContent = `Colours: ${legend.title}`;
    const items = legend.levels.map((l) => {
      const item = document.createElement('span');
      item.className = 'heatmap-legend-item';
      item.dataset.level = String(l.level);
      item.title = `level ${l.level}: ${l.range}`;
      const swatch = document.createElement('span');
      swatch.className = 'heatmap-legend-swatch';
      swatch.style.setProperty('background-color', `var(${l.cssVariable})`);
      swatch.style.setProperty('--legend-underline-width', `${l.underline.width}px`);
      swatch.style.setProperty('--legend-underline-style', l.underline.style);
      const range = document.createElement('span');
      range.className = 'heatmap-legend-range';
      range.textContent = l.range;
      item.append(swatch, range);
      return item;
    });
    this.root.replaceChildren(title, ...items);
  }
}
