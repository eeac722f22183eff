/**
 * Writes a generated GGUF model: `node out/scripts/makeModel.js <preset> <file>`.
 * Presets: tiny, tiny-no-byte-fallback, bench (135M parameters, 49k vocabulary).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildPresetModel, MODEL_PRESETS, type ModelPreset } from '../src/core/gguf/modelPresets';

/** Write `preset` to `file` unless it already exists; returns the file path. */
export function ensurePresetModel(preset: ModelPreset, file: string): string {
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    for (const chunk of buildPresetModel(preset)) fs.writeSync(fd, chunk);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  return file;
}

if (require.main === module) {
  const [preset, file] = process.argv.slice(2);
  if (!MODEL_PRESETS.includes(preset as ModelPreset) || !file) {
    process.stderr.write(`usage: makeModel <${MODEL_PRESETS.join('|')}> <file.gguf>\n`);
    process.exit(2);
  }
  const t0 = Date.now();
  ensurePresetModel(preset as ModelPreset, path.resolve(file));
  process.stdout.write(`${file}: ${(fs.statSync(file).size / 1e6).toFixed(1)} MB in ${Date.now() - t0} ms\n`);
}
