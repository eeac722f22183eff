/**
 * The heatmap's colours per theme kind (the defaults of the `iclLens.heatmap.level0..7`
 * theme colours in package.json, which a test keeps equal to these), the
 * non-colour cue high-contrast themes add, and the legend rows every view shows.
 */
import type { Metric } from './analysis';
import { HEATMAP_LEVELS, levelBounds } from './heatmapScale';

/** VS Code's theme kinds, named as package.json's `contributes.colors[].defaults` keys. */
export type ThemeKindName = 'dark' | 'light' | 'highContrast' | 'highContrastLight';
export const THEME_KINDS: readonly ThemeKindName[] = ['dark', 'light', 'highContrast', 'highContrastLight'];

/**
 * Backgrounds, level 0 (confident) to 7 (uncertain), as #rrggbb or #rrggbbaa.
 * Dark and light blend muted greens into reds over the text. High-contrast
 * themes get opaque colours that step in hue and lightness (adjacent levels
 * ≥ 15 CIEDE2000 apart over the theme's background) and keep the theme's text
 * at WCAG AA contrast on every level.
 */
export const HEATMAP_PALETTES: Readonly<Record<ThemeKindName, readonly string[]>> = {
  dark: ['#2b6b3a55', '#3f7d3a66', '#6a8a2f77', '#8c8c2a88', '#a8782599', '#b85c22aa', '#c0392bbb', '#d0202acc'],
  light: ['#c8efcf99', '#d9f0b5aa', '#eef0a6bb', '#f7e39acc', '#f9c98bcc', '#f6a47fcc', '#f07f76dd', '#e8575aee'],
  highContrast: ['#0a2a66', '#005f5f', '#1d6b00', '#665c00', '#944a00', '#b3001b', '#8f006f', '#5a1fb3'],
  highContrastLight: ['#d6e9ff', '#9ff0e6', '#b6f27a', '#ffe14d', '#ffb057', '#ff7b6b', '#ff70c8', '#c08cff'],
};

/** An underline under a painted token: its width in pixels and CSS border style. */
export interface LevelCue {
  readonly width: number;
  readonly style: 'none' | 'dotted' | 'dashed' | 'solid';
}

/**
 * The cue that does not rely on colour (high-contrast themes): an underline that
 * grows heavier with the level — none, then dotted, dashed, solid at 1 px, then
 * dashed and solid at 2 and 3 px — so every level differs from its neighbours.
 */
export const HIGH_CONTRAST_CUES: readonly LevelCue[] = [
  { width: 0, style: 'none' },
  { width: 1, style: 'dotted' },
  { width: 1, style: 'dashed' },
  { width: 1, style: 'solid' },
  { width: 2, style: 'dashed' },
  { width: 2, style: 'solid' },
  { width: 3, style: 'dashed' },
  { width: 3, style: 'solid' },
];

/** Whether `kind` is a high-contrast kind (the colours get the underline cue). */
export function isHighContrast(kind: ThemeKindName): boolean {
  return kind === 'highContrast' || kind === 'highContrastLight';
}

/** The theme colour id of `level`, and the CSS variable VS Code defines for it in the workbench and webviews. */
export function levelColorId(level: number): string {
  return `iclLens.heatmap.level${level}`;
}
export function levelCssVariable(level: number): string {
  return `--vscode-${levelColorId(level).replace(/\./g, '-')}`;
}

/** A bound of the scale: at most two decimals, no trailing zeros (1.25, 2.5, 5). */
function bound(bits: number): string {
  return String(Number(bits.toFixed(2)));
}

/** One row of the legend: a level and the bits it stands for. */
export interface LegendRow {
  readonly level: number;
  readonly from: number;
  /** Infinity for the top level. */
  readonly to: number;
  /** `0–1.25 bits`, or `≥ 8.75 bits` for the top level. */
  readonly range: string;
}

/** The legend of a scale from 0 to `maxBits`, level 0 first. */
export function legendRows(maxBits: number): LegendRow[] {
  return levelBounds(maxBits).map((b) => ({
    ...b,
    range: b.to === Infinity ? `≥ ${bound(b.from)} bits` : `${bound(b.from)}–${bound(b.to)} bits`,
  }));
}

/** `level 5 of 7 · 6.25–7.5 bits` (levels count from 0, as the colour ids do). */
export function levelCaption(level: number, maxBits: number): string {
  return `level ${level} of ${HEATMAP_LEVELS - 1} · ${legendRows(maxBits)[level].range}`;
}

/** What the legend's title says the colours show. */
export function legendTitle(metric: Metric): string {
  return metric === 'entropy' ? 'entropy at each token' : 'surprisal of each token';
}

/**
 * An inline colour swatch for Markdown with HTML (hovers, tooltips): the
 * theme colour's CSS variable, so it is the colour the heatmap paints in the
 * current theme, user overrides included. VS Code keeps a span's style only
 * when it is exactly `color:…;background-color:…;` with #hex or
 * `var(--vscode-…)` values, so the swatch is non-breaking spaces on that
 * background.
 */
export function swatchHtml(level: number): string {
  return `<span style="background-color:var(${levelCssVariable(level)});">&nbsp;&nbsp;&nbsp;&nbsp;</span>`;
}
