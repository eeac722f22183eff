/**
 * A minimal GGUF v3 writer: metadata key/values, tensor infos and aligned tensor
 * data. Pure (no I/O): it returns byte chunks that the caller writes in order, so a
 * 150 MB model never has to exist as one buffer.
 */

import { GGUF_DEFAULT_ALIGNMENT, GGUF_VALUE_TYPE, type GgufScalarType, type GgufValue } from './ggufFormat';

export type { GgufValue } from './ggufFormat';

/** Tensor element encodings this writer produces (values are ggml type ids). */
export const GgmlType = { F32: 0, F16: 1, Q8_0: 8 } as const;
export type GgmlTypeId = (typeof GgmlType)[keyof typeof GgmlType];

/** A tensor ready to write: `dims` in ggml order (ne0 first), `data` already encoded. */
export interface GgufTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly type: GgmlTypeId;
  readonly data: Uint8Array;
}

const ALIGNMENT = GGUF_DEFAULT_ALIGNMENT;
const UTF8 = new TextEncoder();

/** Growable little-endian byte sink for the header. */
class ByteSink {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u32(v: number): void { this.reserve(4); this.view.setUint32(this.length, v, true); this.length += 4; }
  i32(v: number): void { this.reserve(4); this.view.setInt32(this.length, v, true); this.length += 4; }
  u64(v: number | bigint): void { this.reserve(8); this.view.setBigUint64(this.length, BigInt(v), true); this.length += 8; }
  i64(v: bigint): void { this.reserve(8); this.view.setBigInt64(this.length, v, true); this.length += 8; }
  f32(v: number): void { this.reserve(4); this.view.setFloat32(this.length, v, true); this.length += 4; }
  f64(v: number): void { this.reserve(8); this.view.setFloat64(this.length, v, true); this.length += 8; }
  u16(v: number): void { this.reserve(2); this.view.setUint16(this.length, v, true); this.length += 2; }
  i16(v: number): void { this.reserve(2); this.view.setInt16(this.length, v, true); this.length += 2; }
  i8(v: number): void { this.reserve(1); this.view.setInt8(this.length, v); this.length += 1; }
  u8(v: number): void { this.reserve(1); this.buf[this.length++] = v; }
  bytes(b: Uint8Array): void { this.reserve(b.length); this.buf.set(b, this.length); this.length += b.length; }
  string(s: string): void { const b = UTF8.encode(s); this.u64(b.length); this.bytes(b); }
  pad(): void { while (this.length % ALIGNMENT !== 0) this.u8(0); }
  take(): Uint8Array { return this.buf.slice(0, this.length); }
}

/** Write one scalar of `type` without its type id (array elements share one id). */
function writeScalar(sink: ByteSink, type: GgufScalarType, v: number | bigint | boolean | string): void {
  switch (type) {
    case 'u8': sink.u8(v as number); break;
    case 'i8': sink.i8(v as number); break;
    case 'u16': sink.u16(v as number); break;
    case 'i16': sink.i16(v as number); break;
    case 'u32': sink.u32(v as number); break;
    case 'i32': sink.i32(v as number); break;
    case 'f32': sink.f32(v as number); break;
    case 'f64': sink.f64(v as number); break;
    case 'u64': sink.u64(v as bigint); break;
    case 'i64': sink.i64(v as bigint); break;
    case 'bool': sink.u8(v ? 1 : 0); break;
    case 'string': sink.string(v as string); break;
  }
}

function writeValue(sink: ByteSink, v: GgufValue): void {
  if (v.type.endsWith('[]')) {
    const item = v.type.slice(0, -2) as GgufScalarType;
    const items = v.value as ArrayLike<number | bigint | boolean | string>;
    sink.u32(GGUF_VALUE_TYPE.array);
    sink.u32(GGUF_VALUE_TYPE[item]);
    sink.u64(items.length);
    for (let i = 0; i < items.length; i++) writeScalar(sink, item, items[i]);
    return;
  }
  const type = v.type as GgufScalarType;
  sink.u32(GGUF_VALUE_TYPE[type]);
  writeScalar(sink, type, v.value as number | bigint | boolean | string);
}

/**
 * Encode a GGUF v3 file. Returns the chunks to write in order: the header (magic,
 * key/values, tensor infos, padding), then each tensor's data padded to 32 bytes.
 */
export function encodeGguf(metadata: ReadonlyArray<readonly [string, GgufValue]>, tensors: readonly GgufTensor[]): Uint8Array[] {
  const head = new ByteSink();
  head.bytes(UTF8.encode('GGUF'));
  head.u32(3);
  head.u64(tensors.length);
  head.u64(metadata.length);
  for (const [key, value] of metadata) {
    head.string(key);
    writeValue(head, value);
  }
  let offset = 0;
  const padded: number[] = [];
  for (const t of tensors) {
    head.string(t.name);
    head.u32(t.dims.length);
    for (const d of t.dims) head.u64(d);
    head.u32(t.type);
    head.u64(offset);
    const size = Math.ceil(t.data.length / ALIGNMENT) * ALIGNMENT;
    padded.push(size - t.data.length);
    offset += size;
  }
  head.pad();
  const chunks: Uint8Array[] = [head.take()];
  tensors.forEach((t, i) => {
    chunks.push(t.data);
    if (padded[i] > 0) chunks.push(new Uint8Array(padded[i]));
  });
  return chunks;
}

/** IEEE 754 half-precision bits of `value` (round to nearest even). */
export function toFloat16Bits(value: number): number {
  const f32 = new Float32Array([value]);
  const x = new Uint32Array(f32.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
  if ((half & 0x7c00) === 0x7c00) { e = 0x1f; return sign | 0x7c00; }
  return sign | half;
}

/** Encode float32 values as ggml F32 bytes. */
export function encodeF32(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
}

/**
 * Encode values as ggml Q8_0: blocks of 32 values, each an f16 scale d = max|x|/127
 * followed by 32 signed bytes round(x/d). `values.length` must be a multiple of 32.
 */
export function encodeQ8_0(values: Float32Array): Uint8Array {
  if (values.length % 32 !== 0) throw new Error(`Q8_0 needs a multiple of 32 values, got ${values.length}`);
  const blocks = values.length / 32;
  const out = new Uint8Array(blocks * 34);
  const view = new DataView(out.buffer);
  for (let b = 0; b < blocks; b++) {
    let amax = 0;
    for (let i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(values[b * 32 + i]));
    const d = amax / 127;
    const inv = d === 0 ? 0 : 1 / d;
    view.setUint16(b * 34, toFloat16Bits(d), true);
    for (let i = 0; i < 32; i++) view.setInt8(b * 34 + 2 + i, Math.round(values[b * 32 + i] * inv));
  }
  return out;
}
