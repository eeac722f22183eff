/**
 * Checks what the webview hands over as a chart image before it is written to
 * disk: the host must not write arbitrary bytes under a .png name because a
 * message said so.
 */

/** Larger than any chart the panel draws; a bigger payload is not a chart. */
export const MAX_PNG_BYTES = 20_000_000;
/** Widest and tallest chart accepted, in pixels. */
const MAX_SIDE = 16_384;
const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const IEND = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

/** The base64 payload of a `data:image/png;base64,` URL, or undefined when `dataUrl` is not one (or too large to be a chart). */
export function pngDataUrlBase64(dataUrl: string): string | undefined {
  const prefix = 'data:image/png;base64,';
  if (!dataUrl.startsWith(prefix)) return undefined;
  const payload = dataUrl.slice(prefix.length);
  if (payload.length > Math.ceil(MAX_PNG_BYTES / 3) * 4) return undefined;
  return /^[A-Za-z0-9+/]*={0,2}$/.test(payload) && payload.length % 4 === 0 ? payload : undefined;
}

/** Why `bytes` is not a sane PNG image (signature, header, size, end), or undefined when it is. */
export function pngProblem(bytes: Uint8Array, maxBytes = MAX_PNG_BYTES): string | undefined {
  if (bytes.length > maxBytes) return `The image is ${bytes.length} bytes, more than a chart can be (${maxBytes})`;
  if (bytes.length < SIGNATURE.length + 25 + IEND.length) return 'The image is too short to be a PNG';
  if (SIGNATURE.some((b, i) => bytes[i] !== b)) return 'The image is not a PNG (wrong signature)';
  const u32 = (at: number) => ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
  const type = String.fromCharCode(bytes[12], bytes[13], bytes[14], bytes[15]);
  if (u32(8) !== 13 || type !== 'IHDR') return 'The image is not a PNG (no header chunk)';
  const width = u32(16);
  const height = u32(20);
  if (width === 0 || height === 0 || width > MAX_SIDE || height > MAX_SIDE) return `The image is ${width}×${height} pixels, not a chart's size`;
  const end = bytes.length - IEND.length;
  if (IEND.some((b, i) => bytes[end + i] !== b)) return 'The image is not a complete PNG (no end chunk)';
  return undefined;
}
