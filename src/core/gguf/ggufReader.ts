/**
 * Reads and validates the header of a GGUF v2/v3 file: metadata key/values and
 * tensor infos. It reads through a `(offset, length)` callback, so validating a
 * multi-GB model touches only its header, and it checks every count and length
 * against the file size before acting on it: a crafted file gets a message in
 * words instead of a huge allocation or a long loop inside llama.cpp.
 */
import {
  GGML_MAX_DIMS, GGML_MAX_NAME, GGML_REMOVED_TYPES, GGML_TYPES, GGUF_DEFAULT_ALIGNMENT, GGUF_SCALAR_BYTES, GGUF_VALUE_TYPE,
  scalarTypeOf, type GgufScalarType, type GgufValue,
} from './ggufFormat';

/** Returns `length` bytes of the file starting at `offset` (never asked beyond the file size). */
export type GgufByteReader = (offset: number, length: number) => Uint8Array;

/** A file to read: its size and a way to read parts of it. */
export interface GgufSource {
  readonly size: number;
  readonly read: GgufByteReader;
}

/** One tensor as the header describes it. */
export interface GgufTensorInfo {
  readonly name: string;
  /** Dimensions in ggml order (ne0 first). */
  readonly dims: readonly number[];
  /** ggml type id. */
  readonly type: number;
  readonly typeName: string;
  /** Start of the tensor's data, relative to `dataOffset`. */
  readonly offset: number;
  readonly byteLength: number;
}

/** A validated GGUF header. */
export interface GgufHeader {
  readonly version: number;
  /** Metadata in file order. */
  readonly metadata: ReadonlyMap<string, GgufValue>;
  readonly tensors: readonly GgufTensorInfo[];
  readonly alignment: number;
  /** File offset where tensor data starts. */
  readonly dataOffset: number;
}

/** Bounds on what a header may ask for, beyond fitting in the file. */
export interface GgufReadLimits {
  /** Longest single string, in bytes. */
  readonly maxStringBytes: number;
  /** Most elements in one metadata array. */
  readonly maxArrayLength: number;
}

/**
 * Generous for real models (the largest vocabularies have ~260k tokens and merges,
 * chat templates are kilobytes) yet small enough that no header can make us
 * allocate gigabytes.
 */
export const DEFAULT_GGUF_LIMITS: GgufReadLimits = { maxStringBytes: 16 << 20, maxArrayLength: 1 << 24 };

/** A file that is not a well-formed GGUF; the message says what is wrong, in words. */
export class GgufFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GgufFormatError';
  }
}

/** Bytes read per request when the header is read through a callback. */
const WINDOW = 1 << 20;
const UTF8 = new TextDecoder('utf-8');
const ENCODER = new TextEncoder();
const fail = (message: string): never => { throw new GgufFormatError(message); };
/** What is being read, for messages; a function where building the text on every read would cost. */
type What = string | (() => string);
const say = (what: What): string => (typeof what === 'string' ? what : what());
const plural = (n: number | bigint, one: string, many = `${one}s`): string => `${n} ${n === 1 || n === 1n ? one : many}`;

/** Sequential little-endian reads through a sliding window over the source. */
class Cursor {
  pos = 0;
  private win: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(this.win.buffer);
  private winStart = 0;

  constructor(private readonly source: GgufSource) {}

  get remaining(): number { return this.source.size - this.pos; }

  /** Make `n` bytes at `pos` readable; `what` names them for the message if the file ends first. */
  private need(n: number, what: What): number {
    if (n > this.remaining) {
      fail(`the file ends inside ${say(what)}: it needs ${plural(n, 'byte')} at offset ${this.pos} but the file has ${plural(this.source.size, 'byte')}`);
    }
    if (this.pos < this.winStart || this.pos + n > this.winStart + this.win.length) {
      const length = Math.min(this.remaining, Math.max(n, WINDOW));
      const bytes = this.source.read(this.pos, length);
      if (bytes.length < length) fail(`reading ${plural(length, 'byte')} at offset ${this.pos} returned only ${bytes.length}`);
      this.win = bytes;
      this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      this.winStart = this.pos;
    }
    const at = this.pos - this.winStart;
    this.pos += n;
    return at;
  }

  u8(what: What): number { const at = this.need(1, what); return this.view.getUint8(at); }
  i8(what: What): number { const at = this.need(1, what); return this.view.getInt8(at); }
  u16(what: What): number { const at = this.need(2, what); return this.view.getUint16(at, true); }
  i16(what: What): number { const at = this.need(2, what); return this.view.getInt16(at, true); }
  u32(what: What): number { const at = this.need(4, what); return this.view.getUint32(at, true); }
  i32(what: What): number { const at = this.need(4, what); return this.view.getInt32(at, true); }
  f32(what: What): number { const at = this.need(4, what); return this.view.getFloat32(at, true); }
  f64(what: What): number { const at = this.need(8, what); return this.view.getFloat64(at, true); }
  u64(what: What): bigint { const at = this.need(8, what); return this.view.getBigUint64(at, true); }
  i64(what: What): bigint { const at = this.need(8, what); return this.view.getBigInt64(at, true); }

  bytes(n: number, what: What): Uint8Array {
    const at = this.need(n, what);
    return this.win.subarray(at, at + n);
  }

  /** A u64 length then that many UTF-8 bytes, checked against the file and the limit first. */
  string(what: What, limits: GgufReadLimits): string {
    const length = this.u64(() => `the length of ${say(what)}`);
    if (length > BigInt(this.remaining)) {
      fail(`${say(what)} declares a length of ${plural(length, 'byte')}, past the end of the file (${plural(this.remaining, 'byte')} left at offset ${this.pos})`);
    }
    if (length > BigInt(limits.maxStringBytes)) fail(`${say(what)} declares a length of ${plural(length, 'byte')} (at most ${limits.maxStringBytes})`);
    return UTF8.decode(this.bytes(Number(length), what));
  }
}

function readScalar(c: Cursor, type: GgufScalarType, what: What, limits: GgufReadLimits): number | bigint | boolean | string {
  switch (type) {
    case 'u8': return c.u8(what);
    case 'i8': return c.i8(what);
    case 'u16': return c.u16(what);
    case 'i16': return c.i16(what);
    case 'u32': return c.u32(what);
    case 'i32': return c.i32(what);
    case 'f32': return c.f32(what);
    case 'f64': return c.f64(what);
    case 'u64': return c.u64(what);
    case 'i64': return c.i64(what);
    case 'bool': {
      const b = c.u8(what);
      if (b > 1) fail(`${say(what)} is a bool stored as ${b} (must be 0 or 1)`);
      return b === 1;
    }
    case 'string': return c.string(what, limits);
  }
}

const TYPED_ARRAYS = {
  u8: Uint8Array, i8: Int8Array, u16: Uint16Array, i16: Int16Array, u32: Uint32Array, i32: Int32Array,
  f32: Float32Array, f64: Float64Array, u64: BigUint64Array, i64: BigInt64Array,
} as const;

const READERS: Record<keyof typeof TYPED_ARRAYS, (v: DataView, at: number) => number | bigint> = {
  u8: (v, at) => v.getUint8(at), i8: (v, at) => v.getInt8(at),
  u16: (v, at) => v.getUint16(at, true), i16: (v, at) => v.getInt16(at, true),
  u32: (v, at) => v.getUint32(at, true), i32: (v, at) => v.getInt32(at, true),
  f32: (v, at) => v.getFloat32(at, true), f64: (v, at) => v.getFloat64(at, true),
  u64: (v, at) => v.getBigUint64(at, true), i64: (v, at) => v.getBigInt64(at, true),
};

function readArray(c: Cursor, what: string, limits: GgufReadLimits): GgufValue {
  const itemId = c.u32(`the element type of ${what}`);
  const item = scalarTypeOf(itemId);
  if (item === undefined) {
    fail(itemId === GGUF_VALUE_TYPE.array ? `${what} is an array of arrays, which GGUF readers do not support` : `${what} is an array of unknown value type ${itemId}`);
  }
  const type = item as GgufScalarType;
  const count = c.u64(`the length of ${what}`);
  const minBytes = type === 'string' ? 8 : GGUF_SCALAR_BYTES[type];
  if (count * BigInt(minBytes) > BigInt(c.remaining)) {
    fail(`${what} declares ${plural(count, 'element')} of type ${type}, more than the ${plural(c.remaining, 'byte')} left in the file can hold`);
  }
  if (count > BigInt(limits.maxArrayLength)) fail(`${what} declares ${plural(count, 'element')} (at most ${limits.maxArrayLength})`);
  const n = Number(count);
  const itemWhat = (i: number): What => () => `element ${i} of ${what}`;
  if (type === 'string') {
    const out: string[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = c.string(itemWhat(i), limits);
    return { type: 'string[]', value: out };
  }
  if (type === 'bool') {
    const out: boolean[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = readScalar(c, 'bool', itemWhat(i), limits) as boolean;
    return { type: 'bool[]', value: out };
  }
  // Fixed-size elements: one bounds check for the whole run, then a copy (also on big-endian hosts).
  const size = GGUF_SCALAR_BYTES[type];
  const bytes = c.bytes(n * size, what);
  const out = new TYPED_ARRAYS[type](n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const get = READERS[type];
  for (let i = 0; i < n; i++) out[i] = get(view, i * size) as never;
  return { type: `${type}[]`, value: out } as GgufValue;
}

/**
 * Read and validate a GGUF header from the whole file (`Uint8Array`) or from a
 * `GgufSource` that reads parts of it. Throws `GgufFormatError` with a message in
 * words for anything llama.cpp would refuse or choke on: bad magic or version,
 * counts and lengths beyond the file, unknown value or tensor types, more than four
 * dimensions, tensor data that is misaligned, overlapping or past the end.
 */
export function readGgufHeader(file: Uint8Array | GgufSource, limits: GgufReadLimits = DEFAULT_GGUF_LIMITS): GgufHeader {
  const source: GgufSource = file instanceof Uint8Array ? { size: file.length, read: (o, l) => file.subarray(o, o + l) } : file;
  const c = new Cursor(source);
  const magic = c.bytes(4, 'the magic number');
  if (String.fromCharCode(...magic) !== 'GGUF') fail('it does not start with "GGUF"');
  const version = c.u32('the version');
  if (version !== 2 && version !== 3) {
    const swapped = ((version & 0xff) << 24 | (version & 0xff00) << 8 | (version >>> 8) & 0xff00 | version >>> 24) >>> 0;
    fail(`it is GGUF version ${version}${swapped === 2 || swapped === 3 ? ' (a big-endian file)' : ''}; versions 2 and 3 are supported`);
  }
  const nTensors = c.u64('the tensor count');
  const nKv = c.u64('the metadata count');
  // Smallest possible entries: a key is a u64 length, a u32 type and a 1-byte value;
  // a tensor info is a u64 name length, a u32 n_dims, a u32 type and a u64 offset.
  const left = BigInt(c.remaining);
  if (nKv * 13n > left) fail(`the header declares ${plural(nKv, 'metadata entry', 'metadata entries')}, more than a file of ${plural(source.size, 'byte')} can hold`);
  if (nTensors * 24n + nKv * 13n > left) fail(`the header declares ${plural(nTensors, 'tensor')}, more than a file of ${plural(source.size, 'byte')} can hold`);

  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < Number(nKv); i++) {
    const key = c.string(`the key of metadata entry ${i}`, limits);
    const what = `metadata entry ${i} (${JSON.stringify(key)})`;
    if (metadata.has(key)) fail(`${what} repeats a key that an earlier entry already set`);
    const typeId = c.u32(`the value type of ${what}`);
    let value: GgufValue;
    if (typeId === GGUF_VALUE_TYPE.array) {
      value = readArray(c, what, limits);
    } else {
      const type = scalarTypeOf(typeId);
      if (type === undefined) fail(`${what} has unknown value type ${typeId}`);
      value = { type, value: readScalar(c, type as GgufScalarType, what, limits) } as GgufValue;
    }
    metadata.set(key, value);
  }

  const alignmentValue = metadata.get('general.alignment');
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  if (alignmentValue !== undefined) {
    if (alignmentValue.type !== 'u32') fail(`general.alignment is a ${alignmentValue.type}, not a u32`);
    alignment = alignmentValue.value as number;
    if (alignment === 0 || (alignment & (alignment - 1)) !== 0) fail(`general.alignment is ${alignment}, not a power of two`);
  }

  const raw: Array<{ name: string; dims: number[]; type: number; typeName: string; offset: bigint; byteLength: bigint }> = [];
  const names = new Set<string>();
  for (let i = 0; i < Number(nTensors); i++) {
    const name = c.string(`the name of tensor ${i}`, limits);
    const what = `tensor ${i} (${JSON.stringify(name)})`;
    if (ENCODER.encode(name).length >= GGML_MAX_NAME) fail(`${what} has a name of ${name.length} characters (at most ${GGML_MAX_NAME - 1} bytes)`);
    if (names.has(name)) fail(`${what} repeats the name of an earlier tensor`);
    names.add(name);
    const nDims = c.u32(`the dimension count of ${what}`);
    if (nDims > GGML_MAX_DIMS) fail(`${what} declares ${plural(nDims, 'dimension')} (at most ${GGML_MAX_DIMS})`);
    const dims: bigint[] = [];
    for (let d = 0; d < nDims; d++) {
      const ne = c.i64(`dimension ${d} of ${what}`);
      if (ne < 0n) fail(`${what} has dimension ${d} of ${ne} elements (negative)`);
      dims.push(ne);
    }
    const elements = dims.reduce((a, b) => a * b, 1n);
    if (elements >= 1n << 63n) fail(`${what} has ${elements} elements, too many to count in 64 bits`);
    const typeId = c.u32(`the type of ${what}`);
    const info = GGML_TYPES.get(typeId);
    if (info === undefined) {
      fail(GGML_REMOVED_TYPES.has(typeId) ? `${what} has ggml type ${typeId}, which llama.cpp no longer supports` : `${what} has unknown ggml type ${typeId}`);
    }
    const { name: typeName, blockSize, typeSize } = info as NonNullable<typeof info>;
    const ne0 = dims[0] ?? 1n;
    if (ne0 % BigInt(blockSize) !== 0n) fail(`${what} has rows of ${ne0} elements, not a multiple of the ${typeName} block size ${blockSize}`);
    const offset = c.u64(`the data offset of ${what}`);
    raw.push({ name, dims: dims.map(Number), type: typeId, typeName, offset, byteLength: (elements / BigInt(blockSize)) * BigInt(typeSize) });
  }

  // Tensor data starts at the next multiple of the alignment (only when there are tensors, as llama.cpp reads it).
  const dataOffset = raw.length > 0 ? Math.ceil(c.pos / alignment) * alignment : c.pos;
  if (dataOffset > source.size) fail(`the tensor data should start at byte ${dataOffset}, past the end of the file (${plural(source.size, 'byte')})`);
  const dataSize = BigInt(source.size - dataOffset);
  // llama.cpp requires tensors stored in order, each padded to the alignment; checking
  // the exact expected offset catches overlaps, gaps and misalignment at once.
  let expected = 0n;
  const tensors = raw.map((t, i): GgufTensorInfo => {
    const what = `tensor ${i} (${JSON.stringify(t.name)})`;
    if (t.offset % BigInt(alignment) !== 0n) fail(`${what} starts at data offset ${t.offset}, not a multiple of the alignment ${alignment}`);
    const end = t.offset + t.byteLength;
    if (end > dataSize) {
      fail(`${what} data ends at byte ${BigInt(dataOffset) + end}, past the end of the file (${plural(source.size, 'byte')})`);
    }
    if (t.offset < expected) fail(`${what} starts at data offset ${t.offset}, overlapping the previous tensor, which ends at ${expected}`);
    if (t.offset > expected) fail(`${what} starts at data offset ${t.offset}, leaving a gap after the previous tensor (expected ${expected})`);
    const a = BigInt(alignment);
    expected = ((end + a - 1n) / a) * a;
    return { name: t.name, dims: t.dims, type: t.type, typeName: t.typeName, offset: Number(t.offset), byteLength: Number(t.byteLength) };
  });
  return { version, metadata, tensors, alignment, dataOffset };
}
