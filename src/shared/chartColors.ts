/**
 * Colours for a chart's series, pure so they are tested against every theme:
 * no two series of a chart get the same colour, or colours too close to tell
 * apart (themes map several of VS Code's chart colours to near-identical values,
 * e.g. high-contrast light's orange is a dark blue).
 */

/** The theme's named chart colours (CSS colour strings). */
export interface ChartPalette {
  readonly foreground: string;
  readonly muted: string;
  readonly red: string;
  readonly blue: string;
  readonly green: string;
  readonly orange: string;
  readonly purple: string;
  readonly yellow: string;
}

export type PaletteColor = keyof ChartPalette;

/** Every named colour, in the order a series without preferences takes them. */
export const PALETTE_ORDER: readonly PaletteColor[] = ['blue', 'orange', 'green', 'purple', 'yellow', 'red', 'foreground', 'muted'];

/** Colours closer than this (CIE76 ΔE in Lab) count as the same colour. */
export const MIN_COLOR_DISTANCE = 20;

/** `#rgb`, `#rrggbb`, `#rrggbbaa` or `rgb()/rgba()` as [r, g, b] (alpha ignored); undefined otherwise. */
export function parseColor(css: string): [number, number, number] | undefined {
  const s = css.trim().toLowerCase();
  let m = /^#([0-9a-f]{3,4})$/.exec(s);
  if (m) return [0, 1, 2].map((i) => parseInt(m![1][i] + m![1][i], 16)) as [number, number, number];
  m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/.exec(s);
  if (m) return [0, 2, 4].map((i) => parseInt(m![1].slice(i, i + 2), 16)) as [number, number, number];
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(s);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  return undefined;
}

/** sRGB to CIE Lab (D65). */
function lab([r, g, b]: [number, number, number]): [number, number, number] {
  const lin = (c: number) => {
    const x = c / 255;
    return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
  };
  const [R, G, B] = [lin(r), lin(g), lin(b)];
  const X = (0.4124 * R + 0.3576 * G + 0.1805 * B) / 0.95047;
  const Y = 0.2126 * R + 0.7152 * G + 0.0722 * B;
  const Z = (0.0193 * R + 0.1192 * G + 0.9505 * B) / 1.08883;
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  return [116 * f(Y) - 16, 500 * (f(X) - f(Y)), 200 * (f(Y) - f(Z))];
}

/** How far apart two CSS colours look (ΔE); unparseable colours are 0 apart when equal as text, else far. */
export function colorDistance(a: string, b: string): number {
  const [x, y] = [parseColor(a), parseColor(b)];
  if (!x || !y) return a.trim().toLowerCase() === b.trim().toLowerCase() ? 0 : Infinity;
  const [p, q] = [lab(x), lab(y)];
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

/** `a` and `b` mixed half and half, as `#rrggbb` (undefined when either is unparseable). */
export function mixColors(a: string, b: string): string | undefined {
  const [x, y] = [parseColor(a), parseColor(b)];
  if (!x || !y) return undefined;
  return `#${x.map((v, i) => Math.round((v + y[i]) / 2).toString(16).padStart(2, '0')).join('')}`;
}

/**
 * One colour per series: each takes the first of its preferred names whose
 * colour is at least MIN_COLOR_DISTANCE from every colour already taken, else
 * the first such colour in PALETTE_ORDER, else (more series than the theme has
 * distinct colours) a palette colour mixed with the foreground, else its first
 * preference.
 */
export function assignColors(palette: ChartPalette, preferences: ReadonlyArray<readonly PaletteColor[]>): string[] {
  return assignColorsAfter(palette, [], preferences);
}

/** `n` distinct colours for a list of like series (candidates), in a stable order. */
export function seriesColors(palette: ChartPalette, n: number): string[] {
  const order: readonly PaletteColor[] = ['blue', 'orange', 'green', 'purple', 'yellow', 'red'];
  return assignColors(palette, Array.from({ length: n }, (_, i) => [order[i % order.length]]));
}

/**
 * Each chart's series and the colours they prefer, in drawing order (the
 * webview's charts take their colours from here, so the tests check the lists
 * the charts use). Like series (candidates) come from `seriesColors`.
 */
export const CHART_SERIES = {
  tokens: { entropy: ['blue'], surprisal: ['orange'] },
  windTunnel: {
    kl: ['red'],
    entropyError: ['orange', 'yellow'],
    klPassLine: ['purple', 'foreground'],
    paperEntropyError: ['yellow', 'muted'],
    analyticEntropy: ['blue'],
    modelEntropy: ['green'],
  },
  /** After the candidates' colours. */
  posteriorLines: { reference: ['foreground'], coverage: ['muted', 'green', 'purple'] },
  prequential: { bits: ['blue'], gain: ['orange'] },
  entropy: { entropy: ['purple'], formatMass: ['green'] },
  loo: { helps: ['green'], hurts: ['red'], none: ['muted'] },
  order: { others: ['blue'], written: ['orange'], best: ['green'], worst: ['red'] },
  calibration: { raw: ['blue'], bias: ['orange'], calibrated: ['green'] },
  randomLabels: { shuffled: ['blue'], truth: ['orange'] },
  /** Model B's target probability, after model A's (blue), while a model comparison is shown. */
  comparedTarget: { a: ['blue'], b: ['orange', 'purple'] },
  /** An earlier version's curves (Compare With Previous Version), after every series the chart already has. */
  before: { target: ['purple', 'green', 'red', 'yellow'], posterior: ['red', 'purple', 'yellow', 'foreground'] },
} as const satisfies Record<string, Record<string, readonly PaletteColor[]>>;

/** The colours of `series` (a CHART_SERIES entry), after `taken` colours already used in the chart, by series name. */
export function chartColors<K extends string>(palette: ChartPalette, series: Readonly<Record<K, readonly PaletteColor[]>>, taken: readonly string[] = []): Record<K, string> {
  const names = Object.keys(series) as K[];
  const colors = assignColorsAfter(palette, taken, names.map((n) => series[n]));
  return Object.fromEntries(names.map((n, i) => [n, colors[i]])) as Record<K, string>;
}

/** `assignColors`, with `taken` colours already in use. */
export function assignColorsAfter(palette: ChartPalette, taken: readonly string[], preferences: ReadonlyArray<readonly PaletteColor[]>): string[] {
  const used = [...taken];
  const free = (c: string | undefined): c is string => c !== undefined && used.every((t) => colorDistance(c, t) >= MIN_COLOR_DISTANCE);
  const named = (names: readonly PaletteColor[]) => names.map((n) => palette[n]).find(free);
  const mixed = () => PALETTE_ORDER.slice(0, 6).map((n) => mixColors(palette[n], palette.foreground)).find(free);
  return preferences.map((wanted) => {
    const color = named(wanted) ?? named(PALETTE_ORDER) ?? mixed() ?? palette[wanted[0] ?? 'foreground'];
    used.push(color);
    return color;
  });
}

/**
 * Model B's posterior lines on the posterior chart (one per candidate drawn),
 * after the `taken` colours of the chart's candidates and lines: at most `n`,
 * fewer when the theme has no more colours distinct from those taken (the
 * chart then draws B's lines for the first candidates only, and says so).
 */
export function comparedPosteriorColors(palette: ChartPalette, n: number, taken: readonly string[]): string[] {
  const colors = assignColorsAfter(palette, taken, Array.from({ length: n }, () => ['purple', 'yellow', 'red', 'foreground'] as const));
  const distinct: string[] = [];
  for (const c of colors) {
    if ([...taken, ...distinct].some((t) => colorDistance(c, t) < MIN_COLOR_DISTANCE)) break;
    distinct.push(c);
  }
  return distinct;
}
