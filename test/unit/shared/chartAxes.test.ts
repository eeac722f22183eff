/** Axis bounds: padding keeps values off the border; two y-axes share the height of their zero. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alignZeros, heightOf, paddedBounds, valueRange, type AxisBounds } from '../../../src/shared/chartAxes';

const near = (a: number, b: number, what = '') => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);
const contains = (bounds: AxisBounds, lo: number, hi: number) => assert.ok(bounds.min <= lo && bounds.max >= hi, `${JSON.stringify(bounds)} holds [${lo}, ${hi}]`);

describe('axis bounds', () => {
  it('pads a 0..1 range so a line at exactly 0 or 1 is inside the plot', () => {
    const b = paddedBounds(0, 1);
    assert.ok(b.min < 0 && b.max > 1, JSON.stringify(b));
    assert.ok(heightOf(b, 0) > 0 && heightOf(b, 1) < 1);
    near(b.max - 1, 0.05, 'top padding');
  });

  it('pads a flat series (one value) and survives no values', () => {
    const flat = paddedBounds(0, 0);
    assert.ok(flat.min < 0 && flat.max > 0, JSON.stringify(flat));
    const b = paddedBounds(3, 3);
    assert.ok(b.min < 3 && b.max > 3);
    assert.deepEqual(paddedBounds(NaN, 1), { min: 0, max: 1 });
    assert.equal(valueRange([null, undefined, NaN]), undefined);
    assert.deepEqual(valueRange([2, null, -1, 5]), { lo: -1, hi: 5 });
  });

  it('puts both zeros at the same height when one axis has negative values', () => {
    // Prequential bits (all positive) beside an information gain that goes negative.
    const [bits, gain] = alignZeros({ min: 0, max: 8 }, { min: -2, max: 1 });
    near(heightOf(bits, 0), heightOf(gain, 0), 'zero height');
    contains(bits, 0, 8);
    contains(gain, -2, 1);
    assert.ok(heightOf(bits, 0) > 0, 'the bits axis makes room below zero');
  });

  it('aligns zeros whichever axis is given first, and never narrows', () => {
    const [gain, bits] = alignZeros({ min: -0.5, max: 3 }, { min: -0.1, max: 40 });
    near(heightOf(bits, 0), heightOf(gain, 0));
    contains(gain, -0.5, 3);
    contains(bits, -0.1, 40);
  });

  it('includes zero in a range that does not reach it', () => {
    const [a, b] = alignZeros({ min: 2, max: 5 }, { min: -0.05, max: 1.05 });
    near(heightOf(a, 0), heightOf(b, 0));
    contains(a, 0, 5);
    contains(b, -0.05, 1.05);
  });

  it('aligns an axis entirely below zero with one above it', () => {
    const [neg, pos] = alignZeros({ min: -4, max: -1 }, { min: 0, max: 10 });
    near(heightOf(neg, 0), heightOf(pos, 0));
    contains(neg, -4, 0);
    contains(pos, 0, 10);
    assert.ok(heightOf(pos, 10) <= 1 && heightOf(neg, -4) >= 0);
  });

  it('fails where zeros would differ: the unaligned ranges of the first case do', () => {
    // The check above is not vacuous: the ranges as given put zero at different heights.
    assert.notEqual(heightOf({ min: 0, max: 8 }, 0), heightOf({ min: -2, max: 1 }, 0));
  });
});
