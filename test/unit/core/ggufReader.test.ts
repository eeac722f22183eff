import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import type { GgufValue } from '../../../src/core/gguf/ggufFormat';
import { GgufFormatError, readGgufHeader } from '../../../src/core/gguf/ggufReader';
import { encodeF32, encodeGguf, encodeQ8_0, GgmlType } from '../../../src/core/gguf/ggufWriter';
import { vocabFile } from '../../../tools/modelFiles';
import { craftGguf, DEFECT_MESSAGES, type GgufDefect } from '../../support/craftedGguf';

/** One value of every type the format has, with awkward contents. */
const ALL_TYPES: Array<[string, GgufValue]> = [
  ['u8', { type: 'u8', value: 255 }],
  ['i8', { type: 'i8', value: -128 }],
  ['u16', { type: 'u16', value: 65535 }],
  ['i16', { type: 'i16', value: -32768 }],
  ['u32', { type: 'u32', value: 4294967295 }],
  ['i32', { type: 'i32', value: -2147483648 }],
  ['u64', { type: 'u64', value: 18446744073709551615n }],
  ['i64', { type: 'i64', value: -9223372036854775808n }],
  ['f32', { type: 'f32', value: 0.1 }],
  ['f64', { type: 'f64', value: Math.PI }],
  ['bool', { type: 'bool', value: true }],
  ['string', { type: 'string', value: 'héllo ▁wörld 👨‍👩‍👧 "quoted"\n' }],
  ['empty', { type: 'string', value: '' }],
  ['u8[]', { type: 'u8[]', value: Uint8Array.from([0, 1, 255]) }],
  ['i8[]', { type: 'i8[]', value: Int8Array.from([-128, 0, 127]) }],
  ['u16[]', { type: 'u16[]', value: Uint16Array.from([0, 65535]) }],
  ['i16[]', { type: 'i16[]', value: Int16Array.from([-32768, 32767]) }],
  ['u32[]', { type: 'u32[]', value: Uint32Array.from([0, 4294967295]) }],
  ['i32[]', { type: 'i32[]', value: Int32Array.from([-1, 2, -3]) }],
  ['u64[]', { type: 'u64[]', value: BigUint64Array.from([0n, 18446744073709551615n]) }],
  ['i64[]', { type: 'i64[]', value: BigInt64Array.from([-1n, 1n << 62n]) }],
  ['f32[]', { type: 'f32[]', value: Float32Array.from([1.5, -0, Infinity]) }],
  ['f64[]', { type: 'f64[]', value: Float64Array.from([Math.E, -1e300]) }],
  ['bool[]', { type: 'bool[]', value: [true, false, true] }],
  ['string[]', { type: 'string[]', value: ['a', '', 'Ġworld', '<0x0A>', '日本'] }],
  ['empty[]', { type: 'i32[]', value: new Int32Array(0) }],
];

const plain = (v: GgufValue): unknown => (v.type.endsWith('[]') ? Array.from(v.value as ArrayLike<unknown>) : v.value);

describe('readGgufHeader', () => {
  it('reads back every value type and the tensor infos the writer wrote', () => {
    const q = new Float32Array(64).map((_, i) => Math.sin(i));
    const bytes = Buffer.concat(encodeGguf(ALL_TYPES, [
      { name: 'a', dims: [3], type: GgmlType.F32, data: encodeF32(new Float32Array(3)) },
      { name: 'b', dims: [32, 2], type: GgmlType.Q8_0, data: encodeQ8_0(q) },
      { name: 'c', dims: [2, 1, 1, 2], type: GgmlType.F32, data: encodeF32(new Float32Array(4)) },
    ]));
    const h = readGgufHeader(bytes);
    assert.equal(h.version, 3);
    assert.equal(h.alignment, 32);
    assert.deepEqual([...h.metadata.keys()], ALL_TYPES.map(([k]) => k));
    for (const [key, value] of ALL_TYPES) {
      const got = h.metadata.get(key)!;
      assert.equal(got.type, value.type, key);
      if (value.type === 'f32') assert.equal(got.value, Math.fround(0.1));
      else assert.deepEqual(plain(got), value.type === 'f32[]' ? Array.from(value.value) : plain(value), key);
    }
    assert.equal(h.dataOffset % 32, 0);
    assert.deepEqual(h.tensors.map((t) => [t.name, t.dims, t.typeName, t.offset, t.byteLength]), [
      ['a', [3], 'f32', 0, 12], ['b', [32, 2], 'q8_0', 32, 68], ['c', [2, 1, 1, 2], 'f32', 128, 16],
    ]);
    assert.deepEqual([...bytes.subarray(h.dataOffset + 32, h.dataOffset + 32 + 68)], [...encodeQ8_0(q)]);
    // What the reader returns, the writer writes back to the same bytes.
    assert.ok(Buffer.concat(encodeGguf([...h.metadata], [])).subarray(24).equals(
      Buffer.concat(encodeGguf(ALL_TYPES, [])).subarray(24)));
  });

  it('round-trips a real vocabulary (starcoder) byte for byte', () => {
    const bytes = fs.readFileSync(vocabFile('starcoder'));
    const h = readGgufHeader(bytes);
    assert.equal((h.metadata.get('tokenizer.ggml.tokens')!.value as string[]).length, 49152);
    assert.equal(h.metadata.get('tokenizer.ggml.model')!.value, 'gpt2');
    const again = Buffer.concat(encodeGguf([...h.metadata], []));
    // The writer pads the header to the alignment; the original ends without padding when there are no tensors.
    assert.ok(again.subarray(0, bytes.length).equals(bytes));
    assert.ok(again.subarray(bytes.length).every((b) => b === 0));
  });

  for (const [defect, message] of Object.entries(DEFECT_MESSAGES)) {
    it(`refuses a file with ${defect}, quickly and in words`, () => {
      const file = craftGguf(defect as GgufDefect);
      const t0 = performance.now();
      assert.throws(() => readGgufHeader(file), (err: Error) => err instanceof GgufFormatError && message.test(err.message), message.source);
      assert.ok(performance.now() - t0 < 100);
    });
  }

  it('accepts the crafted base file, as version 3 and as version 2 (same layout)', () => {
    assert.equal(readGgufHeader(craftGguf('none')).tensors[0].byteLength, 256);
    const v2 = craftGguf('none');
    v2.writeUInt32LE(2, 4);
    assert.equal(readGgufHeader(v2).version, 2);
  });

  it('refuses bad magic, versions, nested arrays, bad alignment and duplicates', () => {
    const cases: Array<[Buffer, RegExp]> = [
      [Buffer.from('GGML\x03\0\0\0'.padEnd(32, '\0'), 'latin1'), /does not start with "GGUF"/],
      [(() => { const b = craftGguf('none'); b.writeUInt32BE(3, 4); return b; })(), /version 50331648 \(a big-endian file\)/],
      [Buffer.concat(encodeGguf([['general.alignment', { type: 'u32', value: 24 }]], [])), /general.alignment is 24, not a power of two/],
      [Buffer.concat(encodeGguf([['general.alignment', { type: 'i32', value: 32 }]], [])), /general.alignment is a i32, not a u32/],
      [Buffer.concat(encodeGguf([['k', { type: 'u8', value: 1 }], ['k', { type: 'u8', value: 2 }]], [])), /metadata entry 1 \("k"\) repeats a key/],
      [Buffer.concat(encodeGguf([], [
        { name: 't', dims: [1], type: GgmlType.F32, data: new Uint8Array(4) },
        { name: 't', dims: [1], type: GgmlType.F32, data: new Uint8Array(4) }])), /tensor 1 \("t"\) repeats the name/],
      [Buffer.concat(encodeGguf([], [{ name: 'x'.repeat(64), dims: [1], type: GgmlType.F32, data: new Uint8Array(4) }])), /name of 64 characters/],
      [(() => {
        const b = Buffer.concat(encodeGguf([['a', { type: 'u8[]', value: [1, 2] }]], []));
        b.writeUInt32LE(9, 24 + 8 + 1 + 4);
        return b;
      })(), /metadata entry 0 \("a"\) is an array of arrays/],
      [(() => {
        const b = Buffer.concat(encodeGguf([['a', { type: 'u8[]', value: [1, 2] }]], []));
        b.writeBigUInt64LE(1n << 50n, 24 + 8 + 1 + 4 + 4);
        return b;
      })(), /metadata entry 0 \("a"\) declares 1125899906842624 elements of type u8, more than/],
      [(() => {
        const b = Buffer.concat(encodeGguf([['a', { type: 'bool', value: true }]], []));
        b[24 + 8 + 1 + 4] = 7;
        return b;
      })(), /metadata entry 0 \("a"\) is a bool stored as 7/],
    ];
    for (const [bytes, message] of cases) assert.throws(() => readGgufHeader(bytes), message);
  });

  it('refuses a row length that is not a multiple of the block size, and a removed type', () => {
    const q = Buffer.concat(encodeGguf([], [{ name: 'q', dims: [32, 1], type: GgmlType.Q8_0, data: new Uint8Array(34) }]));
    const at = 24 + 8 + 1 + 4;
    q.writeBigInt64LE(33n, at);
    assert.throws(() => readGgufHeader(q), /tensor 0 \("q"\) has rows of 33 elements, not a multiple of the q8_0 block size 32/);
    q.writeBigInt64LE(32n, at);
    q.writeUInt32LE(4, at + 16);
    assert.throws(() => readGgufHeader(q), /ggml type 4, which llama.cpp no longer supports/);
  });

  it('refuses overlapping tensors and a tensor cut short by the end of the file', () => {
    const two = Buffer.concat(encodeGguf([], [
      { name: 'a', dims: [16], type: GgmlType.F32, data: new Uint8Array(64) },
      { name: 'b', dims: [16], type: GgmlType.F32, data: new Uint8Array(64) }]));
    const offsetOfB = 24 + (8 + 1 + 4 + 8 + 4 + 8) + (8 + 1 + 4 + 8 + 4);
    two.writeBigUInt64LE(32n, offsetOfB);
    assert.throws(() => readGgufHeader(two), /tensor 1 \("b"\) starts at data offset 32, overlapping the previous tensor, which ends at 64/);
    two.writeBigUInt64LE(64n, offsetOfB);
    assert.throws(() => readGgufHeader(two.subarray(0, two.length - 40)), /tensor 1 \("b"\) data ends at byte \d+, past the end of the file/);
  });

  it('reads only the header region of a huge file', () => {
    // A 4 GiB tensor in a virtual 4 GiB + header file: only the header may be read.
    const header = Buffer.concat(encodeGguf([['general.name', { type: 'string', value: 'huge' }]], [
      { name: 'w', dims: [65536, 16384], type: GgmlType.F32, data: new Uint8Array(0) }]));
    const size = header.length + 65536 * 16384 * 4;
    let read = 0;
    const h = readGgufHeader({
      size,
      read: (offset, length) => {
        read += length;
        const out = new Uint8Array(length);
        out.set(header.subarray(offset, offset + length));
        return out;
      },
    });
    assert.equal(h.tensors[0].byteLength, 2 ** 32);
    assert.equal(h.dataOffset, header.length);
    assert.ok(read <= 1 << 20, `read ${read} bytes`);
  });
});
