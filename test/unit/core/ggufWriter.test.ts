import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeGguf, encodeQ8_0, GgmlType, toFloat16Bits } from '../../../src/core/gguf/ggufWriter';
import { buildSpmVocab, TokenType } from '../../../src/core/gguf/spmVocab';

/** Decode IEEE half bits the long way, as an independent check. */
function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

describe('toFloat16Bits', () => {
  it('encodes known values', () => {
    assert.equal(toFloat16Bits(1), 0x3c00);
    assert.equal(toFloat16Bits(-2), 0xc000);
    assert.equal(toFloat16Bits(65504), 0x7bff);
    assert.equal(toFloat16Bits(1e6), 0x7c00);
    assert.equal(toFloat16Bits(2 ** -24), 0x0001);
    assert.equal(toFloat16Bits(0), 0);
    assert.equal(toFloat16Bits(Infinity), 0x7c00);
    assert.ok(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN))));
  });
  it('rounds to the nearest half for many values', () => {
    for (let i = 0; i < 2000; i++) {
      const x = (Math.sin(i * 12.9898) * 43758.5453) % 300;
      const h = fromFloat16Bits(toFloat16Bits(x));
      const ulp = 2 ** (Math.floor(Math.log2(Math.abs(x) || 1)) - 10);
      assert.ok(Math.abs(h - x) <= ulp / 2 + 1e-12, `${x} -> ${h}`);
    }
  });
});

describe('encodeQ8_0', () => {
  it('stores 32-value blocks whose reconstruction is within half a step', () => {
    const values = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i) * (i < 32 ? 1 : 0.01));
    const bytes = encodeQ8_0(values);
    assert.equal(bytes.length, 2 * 34);
    const view = new DataView(bytes.buffer);
    for (let b = 0; b < 2; b++) {
      const d = fromFloat16Bits(view.getUint16(b * 34, true));
      for (let i = 0; i < 32; i++) {
        const q = view.getInt8(b * 34 + 2 + i);
        assert.ok(Math.abs(q * d - values[b * 32 + i]) <= d * 0.51 + 1e-6);
      }
    }
  });
  it('rejects lengths that are not a multiple of 32', () => {
    assert.throws(() => encodeQ8_0(new Float32Array(33)), /multiple of 32/);
  });
});

describe('encodeGguf', () => {
  it('writes a parseable header with aligned tensor data', () => {
    const chunks = encodeGguf(
      [['general.name', { type: 'string', value: 'x' }], ['n', { type: 'u32', value: 7 }], ['list', { type: 'string[]', value: ['a', 'bc'] }]],
      [{ name: 't', dims: [3], type: GgmlType.F32, data: new Uint8Array(12).fill(1) }],
    );
    const head = chunks[0];
    const view = new DataView(head.buffer, head.byteOffset);
    assert.equal(new TextDecoder().decode(head.subarray(0, 4)), 'GGUF');
    assert.equal(view.getUint32(4, true), 3);
    assert.equal(view.getBigUint64(8, true), 1n);
    assert.equal(view.getBigUint64(16, true), 3n);
    assert.equal(head.length % 32, 0);
    assert.equal(chunks[1].length, 12);
    assert.equal(chunks[2].length, 20, 'tensor data padded to 32 bytes');
  });
});

describe('buildSpmVocab', () => {
  it('has the requested size, unique pieces, prefix-closed pieces and byte tokens', () => {
    const v = buildSpmVocab({ size: 2000, byteFallback: true });
    assert.equal(v.tokens.length, 2000);
    assert.equal(new Set(v.tokens).size, 2000);
    assert.equal(v.types.filter((t) => t === TokenType.byte).length, 256);
    const set = new Set(v.tokens);
    v.tokens.forEach((t, i) => {
      if (v.types[i] === TokenType.normal && [...t].length > 1) assert.ok(set.has([...t].slice(0, -1).join('')), `prefix of ${t}`);
    });
  });
  it('can leave byte fallback out', () => {
    const v = buildSpmVocab({ size: 300, byteFallback: false });
    assert.equal(v.types.filter((t) => t === TokenType.byte).length, 0);
    assert.ok(v.tokens.includes('\n'));
  });
});
