// Chart colours come from the VS Code theme's CSS variables (with fallbacks for
// a bare page), read fresh on every draw so a theme switch recolours the charts.
// Which series gets which colour is decided by src/shared/chartColors.ts, so no
// two series of a chart share one in any theme.
import type { ChartPalette } from '../src/shared/chartColors';

/** The colours a chart draws with, resolved from the current theme. */
export interface ChartTheme extends ChartPalette {
  readonly grid: string;
  readonly background: string;
}

const css = (name: string, fallback: string) => getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;

/** Read the theme's chart colours now. */
export function readChartTheme(): ChartTheme {
  const red = css('--vscode-charts-red', '#f14c4c');
  const blue = css('--vscode-charts-blue', '#3794ff');
  const green = css('--vscode-charts-green', '#89d185');
  const orange = css('--vscode-charts-orange', '#d18616');
  const purple = css('--vscode-charts-purple', '#b180d7');
  const yellow = css('--vscode-charts-yellow', '#cca700');
  return {
    foreground: css('--vscode-foreground', '#cccccc'),
    muted: css('--vscode-descriptionForeground', '#9d9d9d'),
    grid: css('--vscode-editorWidget-border', '#454545'),
    background: css('--vscode-editor-background', '#1e1e1e'),
    red, blue, green, orange, purple, yellow,
  };
}

/**
 * Call `callback` whenever VS Code switches theme (it swaps the body's classes).
 * Returns a function that stops watching.
 */
export function onThemeChange(callback: () => void): () => void {
  const observer = new MutationObserver(callback);
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  return () => observer.disconnect();
}
