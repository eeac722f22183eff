/**
 * Model files on disk, shared by the tests, the benchmarks and scripts/makeModel
 * (tools/ is the one place both scripts/ and test/ may import):
 *
 * - generated preset models (src/core/gguf/modelPresets), written once per path;
 * - vocab-only GGUFs of real tokenizers, offline: llama.cpp keeps them in its
 *   source tree (models/ggml-vocab-*.gguf), and node-llama-cpp ships that tree
 *   as a git bundle. We clone the bundle without a checkout (as buildNative.mjs
 *   does) and extract only the file asked for.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildPresetModel, PRESET_VOCABS, type ModelPreset } from '../src/core/gguf/modelPresets';

/** The repository root (this file runs compiled, from out/tools). */
const ROOT = path.resolve(__dirname, '..', '..');

/** The llama.cpp source clone for the pinned node-llama-cpp, cloned from its bundle if missing. */
export function llamaCppSource(root: string = ROOT): string {
  const nlc = path.join(root, 'node_modules', 'node-llama-cpp', 'llama');
  const tag = (JSON.parse(fs.readFileSync(path.join(nlc, 'llama.cpp.info.json'), 'utf8')) as { tag: string }).tag;
  const dir = path.join(root, '.cache', `llama.cpp-${tag}`);
  if (fs.existsSync(path.join(dir, '.git'))) return dir;
  // Clone beside the target and rename, so that parallel test processes never see a half-made clone.
  const tmp = `${dir}.${process.pid}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  execFileSync('git', ['clone', '-q', '--no-checkout', path.join(nlc, 'gitRelease.bundle'), tmp], { stdio: 'pipe' });
  try {
    fs.renameSync(tmp, dir);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(path.join(dir, '.git'))) throw err;
  }
  return dir;
}

/** Path of `models/ggml-vocab-<name>.gguf` (e.g. `starcoder`, `qwen2`, `llama-bpe`) in that clone, extracted if needed. */
export function vocabFile(name: string, root: string = ROOT): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`not a vocab name: ${name}`);
  const dir = llamaCppSource(root);
  const rel = `models/ggml-vocab-${name}.gguf`;
  const file = path.join(dir, rel);
  if (fs.existsSync(file)) return file;
  let bytes: Buffer;
  try {
    // `git show` rather than `git checkout`: it takes no index lock, so parallel callers cannot collide.
    bytes = execFileSync('git', ['-C', dir, 'show', `HEAD:${rel}`], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 << 20 });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`could not extract ${rel} from ${dir}: ${stderr || (err as Error).message}`);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
  return file;
}

/** Write `preset` to `file` unless it already exists; returns the file path. */
export function ensurePresetModel(preset: ModelPreset, file: string): string {
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const vocab = PRESET_VOCABS[preset];
  const chunks = buildPresetModel(preset, vocab === undefined ? undefined : fs.readFileSync(vocabFile(vocab)));
  // Written beside the target and renamed, so that parallel test processes never read a half-written model.
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    for (const chunk of chunks) fs.writeSync(fd, chunk);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  return file;
}
