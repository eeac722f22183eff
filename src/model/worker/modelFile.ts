/** Checks a model file before node-llama-cpp sees it, so common mistakes get a clear message. */
import * as fs from 'node:fs';
import { GgufFormatError } from '../../core/gguf/ggufReader';
import { readGgufFileHeader } from '../ggufFile';
import { RuntimeError } from '../runtimeError';

/**
 * Throws a `model` RuntimeError unless `file` is a readable, well-formed GGUF file.
 * The header is validated here because a crafted one (say, a tensor with 2³² − 1
 * dimensions) would otherwise keep the loader busy for minutes and gigabytes.
 */
export function checkModelFile(file: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new RuntimeError('model', `Model file not found: ${file}`);
  }
  if (stat.isDirectory()) throw new RuntimeError('model', `${file} is a directory, not a .gguf model file.`);
  if (stat.size < 24) throw new RuntimeError('model', `${file} is too small to be a GGUF model (${stat.size} bytes).`);
  const head = Buffer.alloc(8);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, 8, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (head.toString('latin1', 0, 4) !== 'GGUF') throw new RuntimeError('model', `${file} is not a GGUF file (it does not start with "GGUF").`);
  const version = head.readUInt32LE(4);
  if (version < 2 || version > 3) throw new RuntimeError('model', `${file} is GGUF version ${version}; versions 2 and 3 are supported.`);
  try {
    readGgufFileHeader(file);
  } catch (err) {
    if (err instanceof GgufFormatError) throw new RuntimeError('model', `${file} is not a usable GGUF model: ${err.message}.`);
    throw new RuntimeError('model', `Could not read ${file}: ${(err as Error).message}`);
  }
}
