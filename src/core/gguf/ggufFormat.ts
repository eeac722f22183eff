/**
 * What the GGUF reader and writer share: the typed metadata values, the value type
 * ids on disk, and the ggml tensor types with their block geometry (so a reader can
 * compute how many bytes a tensor occupies without llama.cpp).
 */

/** Numeric element types that fit a JavaScript number exactly. */
export type GgufNumberType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64';
/** 64-bit integer types, kept as bigint so that no value is rounded. */
export type GgufBigIntType = 'u64' | 'i64';
/** Every scalar type GGUF stores. */
export type GgufScalarType = GgufNumberType | GgufBigIntType | 'bool' | 'string';

/** A typed metadata value. GGUF stores the type next to every value; arrays hold one scalar type. */
export type GgufValue =
  | { readonly type: GgufNumberType; readonly value: number }
  | { readonly type: GgufBigIntType; readonly value: bigint }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: `${GgufNumberType}[]`; readonly value: ArrayLike<number> }
  | { readonly type: `${GgufBigIntType}[]`; readonly value: ArrayLike<bigint> }
  | { readonly type: 'bool[]'; readonly value: ArrayLike<boolean> }
  | { readonly type: 'string[]'; readonly value: readonly string[] };

/** On-disk value type ids (gguf_type). */
export const GGUF_VALUE_TYPE = {
  u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12,
} as const;

/** Bytes one scalar of each fixed-size type occupies (strings are a u64 length plus bytes). */
export const GGUF_SCALAR_BYTES: Readonly<Record<Exclude<GgufScalarType, 'string'>, number>> = {
  u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, bool: 1, u64: 8, i64: 8, f64: 8,
};

/** The scalar type for an on-disk value type id, or undefined for arrays and unknown ids. */
export function scalarTypeOf(id: number): GgufScalarType | undefined {
  for (const [name, value] of Object.entries(GGUF_VALUE_TYPE)) if (value === id && name !== 'array') return name as GgufScalarType;
  return undefined;
}

/** Default alignment of tensor data when `general.alignment` is absent. */
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** ggml tensors have at most four dimensions. */
export const GGML_MAX_DIMS = 4;
/** ggml keeps tensor names in a 64-byte buffer, so names must be shorter. */
export const GGML_MAX_NAME = 64;

/** Block geometry of a ggml tensor type: `blockSize` elements take `typeSize` bytes. */
export interface GgmlTypeInfo {
  readonly name: string;
  readonly blockSize: number;
  readonly typeSize: number;
}

/**
 * ggml types by id, as in the llama.cpp that node-llama-cpp pins (ggml.h and
 * ggml-common.h). Ids missing here are unknown; removed ones are listed apart so
 * the message can say so.
 */
export const GGML_TYPES: ReadonlyMap<number, GgmlTypeInfo> = new Map<number, GgmlTypeInfo>([
  [0, { name: 'f32', blockSize: 1, typeSize: 4 }],
  [1, { name: 'f16', blockSize: 1, typeSize: 2 }],
  [2, { name: 'q4_0', blockSize: 32, typeSize: 18 }],
  [3, { name: 'q4_1', blockSize: 32, typeSize: 20 }],
  [6, { name: 'q5_0', blockSize: 32, typeSize: 22 }],
  [7, { name: 'q5_1', blockSize: 32, typeSize: 24 }],
  [8, { name: 'q8_0', blockSize: 32, typeSize: 34 }],
  [9, { name: 'q8_1', blockSize: 32, typeSize: 36 }],
  [10, { name: 'q2_K', blockSize: 256, typeSize: 84 }],
  [11, { name: 'q3_K', blockSize: 256, typeSize: 110 }],
  [12, { name: 'q4_K', blockSize: 256, typeSize: 144 }],
  [13, { name: 'q5_K', blockSize: 256, typeSize: 176 }],
  [14, { name: 'q6_K', blockSize: 256, typeSize: 210 }],
  [15, { name: 'q8_K', blockSize: 256, typeSize: 292 }],
  [16, { name: 'iq2_xxs', blockSize: 256, typeSize: 66 }],
  [17, { name: 'iq2_xs', blockSize: 256, typeSize: 74 }],
  [18, { name: 'iq3_xxs', blockSize: 256, typeSize: 98 }],
  [19, { name: 'iq1_s', blockSize: 256, typeSize: 50 }],
  [20, { name: 'iq4_nl', blockSize: 32, typeSize: 18 }],
  [21, { name: 'iq3_s', blockSize: 256, typeSize: 110 }],
  [22, { name: 'iq2_s', blockSize: 256, typeSize: 82 }],
  [23, { name: 'iq4_xs', blockSize: 256, typeSize: 136 }],
  [24, { name: 'i8', blockSize: 1, typeSize: 1 }],
  [25, { name: 'i16', blockSize: 1, typeSize: 2 }],
  [26, { name: 'i32', blockSize: 1, typeSize: 4 }],
  [27, { name: 'i64', blockSize: 1, typeSize: 8 }],
  [28, { name: 'f64', blockSize: 1, typeSize: 8 }],
  [29, { name: 'iq1_m', blockSize: 256, typeSize: 56 }],
  [30, { name: 'bf16', blockSize: 1, typeSize: 2 }],
  [34, { name: 'tq1_0', blockSize: 256, typeSize: 54 }],
  [35, { name: 'tq2_0', blockSize: 256, typeSize: 66 }],
  [39, { name: 'mxfp4', blockSize: 32, typeSize: 17 }],
  [40, { name: 'nvfp4', blockSize: 64, typeSize: 36 }],
  [41, { name: 'q1_0', blockSize: 128, typeSize: 18 }],
  [42, { name: 'q2_0', blockSize: 64, typeSize: 18 }],
]);

/** Type ids llama.cpp once had and no longer loads. */
export const GGML_REMOVED_TYPES: ReadonlySet<number> = new Set([4, 5, 31, 32, 33, 36, 37, 38]);
