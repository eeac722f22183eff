/**
 * Writes a generated GGUF model: `node out/scripts/makeModel.js <preset> <file>`.
 * Presets: tiny, tiny-no-byte-fallback, bench (135M parameters, 49k vocabulary), and
 * tiny models with real BPE tokenizers copied from llama.cpp's vocab files:
 * bpe-starcoder (49,152 tokens), bpe-qwen2 (151,936), bpe-llama3 (128,256); and the
 * chat models with real chat templates: chat-chatml (ChatML on qwen35's vocabulary),
 * chat-llama3 (Llama 3.1's template on llama-bpe), chat-qwen2 (Qwen2.5's on qwen2).
 * The writing itself is tools/modelFiles.ts, which the tests share.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MODEL_PRESETS, type ModelPreset } from '../src/core/gguf/modelPresets';
import { ensurePresetModel } from '../tools/modelFiles';

const [preset, file] = process.argv.slice(2);
if (!MODEL_PRESETS.includes(preset as ModelPreset) || !file) {
  process.stderr.write(`usage: makeModel <${MODEL_PRESETS.join('|')}> <file.gguf>\n`);
  process.exit(2);
}
const t0 = Date.now();
ensurePresetModel(preset as ModelPreset, path.resolve(file));
process.stdout.write(`${file}: ${(fs.statSync(file).size / 1e6).toFixed(1)} MB in ${Date.now() - t0} ms\n`);
