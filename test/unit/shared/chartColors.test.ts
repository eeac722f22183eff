/**
 * Chart colours in every default theme: no two series of a chart share a colour
 * (or colours too close to tell apart). The palettes are VS Code 1.100's
 * defaults for the chart colours (charts.* and the colours they derive from).
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignColors, CHART_SERIES, chartColors, colorDistance, comparedPosteriorColors, MIN_COLOR_DISTANCE, parseColor, seriesColors, type ChartPalette, type PaletteColor } from '../../../src/shared/chartColors';

const THEMES: Record<string, ChartPalette> = {
  dark: { foreground: '#CCCCCC', muted: '#ccccccb3', red: '#F14C4C', blue: '#3794FF', green: '#89D185', orange: '#d18616', purple: '#B180D7', yellow: '#CCA700' },
  light: { foreground: '#616161', muted: '#717171', red: '#E51400', blue: '#1a85ff', green: '#388A34', orange: '#d18616', purple: '#652D90', yellow: '#BF8803' },
  'high contrast': { foreground: '#FFFFFF', muted: '#ffffffb3', red: '#F48771', blue: '#3794FF', green: '#89D185', orange: '#AB5A00', purple: '#B180D7', yellow: '#FFD370' },
  'high contrast light': { foreground: '#292929', muted: '#292929b3', red: '#B5200D', blue: '#1a85ff', green: '#374e06', orange: '#0F4A85', purple: '#652D90', yellow: '#895503' },
};

function assertDistinct(colors: readonly string[], what: string): void {
  for (let i = 0; i < colors.length; i++) {
    for (let j = i + 1; j < colors.length; j++) {
      const d = colorDistance(colors[i], colors[j]);
      assert.ok(d >= MIN_COLOR_DISTANCE, `${what}: series ${i} (${colors[i]}) and ${j} (${colors[j]}) are ${d.toFixed(1)} apart`);
    }
  }
}

describe('chart colours', () => {
  it('parses the CSS colour forms VS Code hands a webview', () => {
    assert.deepEqual(parseColor('#3794FF'), [0x37, 0x94, 0xff]);
    assert.deepEqual(parseColor('#ccccccb3'), [0xcc, 0xcc, 0xcc]);
    assert.deepEqual(parseColor('#fff'), [255, 255, 255]);
    assert.deepEqual(parseColor('rgba(204, 204, 204, 0.7)'), [204, 204, 204]);
    assert.equal(parseColor('var(--x)'), undefined);
  });

  it('measures equal colours as 0 apart and black and white as far apart', () => {
    assert.equal(colorDistance('#d18616', '#D18616'), 0);
    assert.ok(colorDistance('#000000', '#ffffff') > 99);
    assert.equal(colorDistance('teal', 'teal'), 0);
  });

  it('gives a later series another colour when its preference is taken', () => {
    const light = THEMES.light;
    // Both ask for orange: the second gets the next distinct colour in the palette's order.
    assert.deepEqual(assignColors(light, [['orange'], ['orange']]), [light.orange, light.blue]);
    // The dark theme's muted is its foreground at 70 %: the same colour for a line.
    assert.deepEqual(assignColors(THEMES.dark, [['foreground'], ['muted', 'green']]), [THEMES.dark.foreground, THEMES.dark.green]);
  });

  for (const [theme, palette] of Object.entries(THEMES)) {
    it(`never gives two series of a chart the same colour in the ${theme} theme`, () => {
      for (const [chart, series] of Object.entries(CHART_SERIES)) {
        if (chart === 'posteriorLines') continue;
        assertDistinct(Object.values(chartColors(palette, series as Record<string, readonly PaletteColor[]>)), `${theme} ${chart}`);
      }
      for (let n = 1; n <= 6; n++) {
        const candidates = seriesColors(palette, n);
        const lines = Object.values(chartColors(palette, CHART_SERIES.posteriorLines, candidates));
        assertDistinct([...candidates, ...lines], `${theme} posterior with ${n} candidates`);
        // A model comparison adds model B's lines (one per candidate but the last; all of them up to 3 candidates).
        const compared = comparedPosteriorColors(palette, Math.max(1, n - 1), [...candidates, ...lines]);
        if (n <= 3) assert.equal(compared.length, Math.max(1, n - 1), `${theme}: B's lines for ${n} candidates`);
        assertDistinct([...candidates, ...lines, ...compared], `${theme} posterior with ${n} candidates under two models`);
      }
    });
  }

  it('gives the earlier version\'s curves (Compare With Previous Version) a colour no other series of their chart has, in every theme', () => {
    for (const [theme, palette] of Object.entries(THEMES)) {
      // The target chart: the measured P(target), the forecast's fit and level, then before.
      const target = [palette.blue, ...Object.values(chartColors(palette, { fit: ['orange', 'purple', 'green'], level: ['muted', 'foreground'] } as const, [palette.blue]))];
      assertDistinct([...target, chartColors(palette, { before: CHART_SERIES.before.target }, target).before], `${theme} target with before`);
      for (let n = 1; n <= 6; n++) {
        const candidates = seriesColors(palette, n);
        const taken = [...candidates, ...Object.values(chartColors(palette, CHART_SERIES.posteriorLines, candidates))];
        assertDistinct([...taken, chartColors(palette, { before: CHART_SERIES.before.posterior }, taken).before], `${theme} posterior with ${n} candidates and before`);
      }
    }
  });

  it('keeps the wind tunnel\'s reference lines apart from the series they refer to (they shared a colour before)', () => {
    for (const palette of Object.values(THEMES)) {
      const c = chartColors(palette, CHART_SERIES.windTunnel);
      assert.notEqual(c.kl, c.klPassLine);
      assert.notEqual(c.entropyError, c.paperEntropyError);
    }
  });
});
