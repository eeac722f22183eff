/**
 * Small GGUF files broken in one known way, for the validation tests. The base file
 * is valid: one string key and one 32×2 F32 tensor; each defect patches one field.
 */
import { encodeGguf, GgmlType } from '../../src/core/gguf/ggufWriter';

/** The one thing wrong with a crafted file ('none': a valid file). */
export type GgufDefect = 'none' | 'nDims' | 'tensorPastEof' | 'stringPastEof' | 'hugeKvCount' | 'hugeTensorCount' | 'truncated' | 'unknownType' | 'unalignedOffset' | 'unknownValueType';

const KEY = 'general.architecture';
const VALUE = 'llama';
/** The name of the crafted file's only tensor. */
export const CRAFTED_TENSOR = 'token_embd.weight';

/** Byte offsets of the fields the defects patch, derived from the layout above. */
const AT = (() => {
  const valueType = 24 + 8 + KEY.length;
  const stringLength = valueType + 4;
  const tensorName = stringLength + 8 + VALUE.length;
  const nDims = tensorName + 8 + CRAFTED_TENSOR.length;
  const ggmlType = nDims + 4 + 2 * 8;
  return { kvCount: 16, tensorCount: 8, valueType, stringLength, nDims, ggmlType, tensorOffset: ggmlType + 4 };
})();

/** The bytes of a crafted GGUF with `defect`. */
export function craftGguf(defect: GgufDefect): Buffer {
  const file = Buffer.concat(encodeGguf(
    [[KEY, { type: 'string', value: VALUE }]],
    [{ name: CRAFTED_TENSOR, dims: [32, 2], type: GgmlType.F32, data: new Uint8Array(256).fill(1) }],
  ));
  switch (defect) {
    case 'none': return file;
    case 'nDims': file.writeUInt32LE(0xffffffff, AT.nDims); return file;
    case 'tensorPastEof': file.writeBigUInt64LE(1n << 20n, AT.tensorOffset); return file;
    case 'stringPastEof': file.writeBigUInt64LE(10n ** 12n, AT.stringLength); return file;
    case 'hugeKvCount': file.writeBigUInt64LE(1n << 40n, AT.kvCount); return file;
    case 'hugeTensorCount': file.writeBigUInt64LE(1n << 40n, AT.tensorCount); return file;
    case 'truncated': return file.subarray(0, AT.nDims + 6);
    case 'unknownType': file.writeUInt32LE(99, AT.ggmlType); return file;
    case 'unalignedOffset': file.writeBigUInt64LE(4n, AT.tensorOffset); return file;
    case 'unknownValueType': file.writeUInt32LE(13, AT.valueType); return file;
  }
}

/** The message (as a pattern) each defect must produce. */
export const DEFECT_MESSAGES: Readonly<Record<Exclude<GgufDefect, 'none'>, RegExp>> = {
  nDims: /tensor 0 \("token_embd\.weight"\) declares 4294967295 dimensions \(at most 4\)/,
  tensorPastEof: /tensor 0 \("token_embd\.weight"\) data ends at byte 1048960, past the end of the file \(384 bytes\)/,
  stringPastEof: /metadata entry 0 \("general\.architecture"\) declares a length of 1000000000000 bytes, past the end of the file/,
  hugeKvCount: /the header declares 1099511627776 metadata entries, more than a file of 384 bytes can hold/,
  hugeTensorCount: /the header declares 1099511627776 tensors, more than a file of 384 bytes can hold/,
  truncated: /the file ends inside dimension 0 of tensor 0 \("token_embd\.weight"\)/,
  unknownType: /tensor 0 \("token_embd\.weight"\) has unknown ggml type 99/,
  unalignedOffset: /tensor 0 \("token_embd\.weight"\) starts at data offset 4, not a multiple of the alignment 32/,
  unknownValueType: /metadata entry 0 \("general\.architecture"\) has unknown value type 13/,
};
