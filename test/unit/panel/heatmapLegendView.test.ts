/** The panel's legend strip: what the host sends the webview for the current metric and scale. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HIGH_CONTRAST_CUES } from '../../../src/core/heatmapPalette';
import { heatmapLegendView } from '../../../src/panel/heatmapLegendView';

describe('heatmapLegendView', () => {
  it('names the metric and gives the 8 levels their ranges, colours and high-contrast underlines', () => {
    const v = heatmapLegendView('surprisal', 10);
    assert.equal(v.title, 'surprisal of each token');
    assert.equal(v.levels.length, 8);
    assert.deepEqual(v.levels[1], { level: 1, range: '1.25–2.5 bits', cssVariable: '--vscode-iclLens-heatmap-level1', underline: HIGH_CONTRAST_CUES[1] });
    assert.equal(v.levels[7].range, '≥ 8.75 bits');
  });
  it('follows the metric and the scale setting', () => {
    const v = heatmapLegendView('entropy', 4);
    assert.equal(v.title, 'entropy at each token');
    assert.deepEqual(v.levels.map((l) => l.range).slice(0, 3), ['0–0.5 bits', '0.5–1 bits', '1–1.5 bits']);
  });
});
