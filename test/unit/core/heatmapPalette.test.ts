/**
 * The heatmap's palettes: adjacent levels must be told apart in every theme
 * kind, measured (CIEDE2000 over the theme's editor background), the theme's
 * text must stay readable on them (WCAG contrast), high-contrast themes add an
 * underline that differs between neighbours, and package.json's colour
 * defaults are these palettes.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { HEATMAP_LEVELS } from '../../../src/core/heatmapScale';
import { HEATMAP_PALETTES, HIGH_CONTRAST_CUES, isHighContrast, levelColorId, levelCssVariable, THEME_KINDS, type ThemeKindName } from '../../../src/core/heatmapPalette';
import { REPO_ROOT } from '../../support/fixtures';
import { composite, contrastRatio, deltaE2000, parseHex, toLab } from '../../support/colourMetrics';

/** Editor background and foreground of VS Code's default theme of each kind (Dark Modern, Light Modern, Dark/Light High Contrast). */
const THEMES: Record<ThemeKindName, { background: string; foreground: string }> = {
  dark: { background: '#1f1f1f', foreground: '#cccccc' },
  light: { background: '#ffffff', foreground: '#3b3b3b' },
  highContrast: { background: '#000000', foreground: '#ffffff' },
  highContrastLight: { background: '#ffffff', foreground: '#292929' },
};

/**
 * Minimum CIEDE2000 between adjacent levels. About 1 is just noticeable side by
 * side and about 5 is a difference seen at a glance; tokens of neighbouring
 * levels are often apart, so high-contrast themes ask for 15 (a change of hue).
 */
const MIN_DELTA_E: Record<ThemeKindName, number> = { dark: 5, light: 5, highContrast: 15, highContrastLight: 15 };
/** Minimum WCAG contrast of the theme's text on each level: AA (4.5) in high contrast, 3 (AA large) otherwise. */
const MIN_TEXT_CONTRAST: Record<ThemeKindName, number> = { dark: 3, light: 3, highContrast: 4.5, highContrastLight: 4.5 };

const seen = (kind: ThemeKindName) => HEATMAP_PALETTES[kind].map((c) => composite(c, THEMES[kind].background));

describe('colour measures', () => {
  it('agree with known values', () => {
    assert.equal(contrastRatio([0, 0, 0], [1, 1, 1]), 21);
    assert.equal(contrastRatio([0.5, 0.5, 0.5], [0.5, 0.5, 0.5]), 1);
    // Sharma, Wu & Dalal (2005), table 1, pairs 1 and 7.
    assert.ok(Math.abs(deltaE2000([50, 2.6772, -79.7751], [50, 0, -82.7485]) - 2.0425) < 1e-4);
    assert.ok(Math.abs(deltaE2000([50, 0, 0], [50, -1, 2]) - 2.3669) < 1e-4);
    assert.deepEqual(composite('#ff000080', '#000000').map((v) => Math.round(v * 255)), [128, 0, 0]);
    assert.throws(() => parseHex('red'));
  });
});

describe('heatmap palettes', () => {
  for (const kind of THEME_KINDS) {
    it(`${kind}: adjacent levels differ by at least ΔE00 ${MIN_DELTA_E[kind]}`, () => {
      const labs = seen(kind).map(toLab);
      assert.equal(labs.length, HEATMAP_LEVELS);
      for (let level = 1; level < HEATMAP_LEVELS; level++) {
        const d = deltaE2000(labs[level - 1], labs[level]);
        assert.ok(d >= MIN_DELTA_E[kind], `${kind} levels ${level - 1}→${level}: ΔE00 ${d.toFixed(1)} < ${MIN_DELTA_E[kind]}`);
      }
    });
    it(`${kind}: the theme's text keeps WCAG contrast ≥ ${MIN_TEXT_CONTRAST[kind]} on every level`, () => {
      const text = parseHex(THEMES[kind].foreground).rgb;
      seen(kind).forEach((c, level) => {
        const r = contrastRatio(c, text);
        assert.ok(r >= MIN_TEXT_CONTRAST[kind], `${kind} level ${level}: ${r.toFixed(2)}`);
      });
    });
  }

  it('high-contrast levels are opaque: the colour is what is painted, not a blend', () => {
    for (const kind of THEME_KINDS.filter(isHighContrast)) {
      for (const c of HEATMAP_PALETTES[kind]) assert.equal(parseHex(c).alpha, 1, `${kind} ${c}`);
    }
  });

  it('the high-contrast underline differs between neighbours and never gets lighter', () => {
    assert.equal(HIGH_CONTRAST_CUES.length, HEATMAP_LEVELS);
    assert.deepEqual(HIGH_CONTRAST_CUES[0], { width: 0, style: 'none' }, 'confident tokens carry no underline');
    const weight = { none: 0, dotted: 1, dashed: 2, solid: 3 };
    for (let level = 1; level < HEATMAP_LEVELS; level++) {
      const [a, b] = [HIGH_CONTRAST_CUES[level - 1], HIGH_CONTRAST_CUES[level]];
      assert.ok(b.width > a.width || (b.width === a.width && weight[b.style] > weight[a.style]), `level ${level - 1}→${level}`);
    }
  });

  it('package.json contributes these palettes as the colours\' defaults', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { contributes: { colors: Array<{ id: string; defaults: Record<string, string> }> } };
    for (let level = 0; level < HEATMAP_LEVELS; level++) {
      const colour = manifest.contributes.colors.find((c) => c.id === levelColorId(level));
      assert.ok(colour, levelColorId(level));
      for (const kind of THEME_KINDS) assert.equal(colour.defaults[kind].toLowerCase(), HEATMAP_PALETTES[kind][level], `${colour.id} ${kind}`);
    }
  });

  it('names the CSS variable VS Code defines for each colour', () => {
    assert.equal(levelCssVariable(5), '--vscode-iclLens-heatmap-level5');
  });
});
