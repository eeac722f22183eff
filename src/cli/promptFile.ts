/**
 * Reads a prompt file for the CLI without trusting what the path is: a FIFO
 * would block readFileSync forever, /dev/zero would grow until the kernel kills
 * the process, and /proc files report size 0 whatever they hold. So: open
 * without blocking, insist on a regular file, and read at most `maxBytes` + 1.
 */
import * as fs from 'node:fs';

/** Why a prompt file cannot be read; `message` is one line for the user. */
export class PromptFileError extends Error {}

/** The bytes of `file`, or PromptFileError when it is not a regular file or holds more than `maxBytes`. */
export function readPromptFile(file: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer. Windows has no such flag and no FIFOs here.
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new PromptFileError(`${file} is a directory`);
    if (code === 'ENOENT') throw new PromptFileError(`cannot read ${file}: it does not exist (ENOENT)`);
    throw new PromptFileError(`cannot read ${file}: ${code ?? (err as Error).message}`);
  }
  try {
    // fstat on the open file: the path cannot be swapped between the check and the read.
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw new PromptFileError(`${file} is a directory`);
    if (!stat.isFile()) throw new PromptFileError(`${file} is not a regular file (it is ${kindOf(stat)}); save the prompt to a file first`);
    if (stat.size > maxBytes) throw new PromptFileError(tooLarge(file, stat.size, maxBytes));
    // The size may lie (/proc reports 0, a file may be growing): read in a bounded loop regardless.
    let buffer = Buffer.alloc(Math.min(maxBytes + 1, Math.max(stat.size + 1, 64 * 1024)));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) throw new PromptFileError(tooLarge(file, undefined, maxBytes));
        const bigger = Buffer.alloc(maxBytes + 1);
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
      }
      const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) return buffer.subarray(0, length);
      length += n;
    }
  } catch (err) {
    if (err instanceof PromptFileError) throw err;
    throw new PromptFileError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  } finally {
    fs.closeSync(fd);
  }
}

function tooLarge(file: string, size: number | undefined, maxBytes: number): string {
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  return `${file} is ${size === undefined ? 'larger than' : mb(size) + ', over'} the ${mb(maxBytes)} limit for a prompt`;
}

function kindOf(stat: fs.Stats): string {
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a plain file';
}
