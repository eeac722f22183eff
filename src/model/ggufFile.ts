/** Reads a GGUF header straight from disk, touching only the header region of the file. */
import * as fs from 'node:fs';
import { readGgufHeader, type GgufHeader } from '../core/gguf/ggufReader';

/**
 * Read and validate the header of the GGUF file at `file` (see `readGgufHeader`).
 * Only the bytes the header occupies are read, so this is quick on a multi-GB model.
 * Throws `GgufFormatError` for a malformed file and the fs error if it cannot be read.
 */
export function readGgufFileHeader(file: string): GgufHeader {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    return readGgufHeader({
      size,
      read: (offset, length) => {
        const buf = Buffer.allocUnsafe(length);
        let got = 0;
        while (got < length) {
          const n = fs.readSync(fd, buf, got, length - got, offset + got);
          if (n === 0) break;
          got += n;
        }
        return buf.subarray(0, got);
      },
    });
  } finally {
    fs.closeSync(fd);
  }
}
