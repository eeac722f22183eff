/** Shared test fixtures: generated models (never a downloaded one), paths to the built bundles. */
import * as os from 'node:os';
import * as path from 'node:path';
import type { ModelPreset } from '../../src/core/gguf/modelPresets';
import { silentLogger, type Logger } from '../../src/core/logger';
import { RuntimeClient } from '../../src/model/runtimeClient';
import type { LoadSpec } from '../../src/model/runtimeProtocol';
import { ensurePresetModel } from '../../tools/modelFiles';

/** The repository root (tests run from out/test/...). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const WORKER_PATH = path.join(REPO_ROOT, 'dist', 'worker.js');
export const CLI_PATH = path.join(REPO_ROOT, 'bin', 'icl-lens.js');

/** A generated model file for `preset`, written once per machine into the temp directory. */
export function modelFile(preset: ModelPreset): string {
  return ensurePresetModel(preset, path.join(os.tmpdir(), 'icl-lens-test-models', `${preset}.gguf`));
}

/** A load spec for `source` with test defaults. */
export function loadSpec(source: string, overrides: Partial<LoadSpec> = {}): LoadSpec {
  return { source, downloadDir: path.join(os.tmpdir(), 'icl-lens-test-downloads'), threads: 2, gpu: 'cpu', maxContextSize: 4096, scorer: 'auto', ...overrides };
}

/** A runtime client on the built worker; remember to dispose it. */
export function runtime(spec: LoadSpec, logger: Logger = silentLogger, stallTimeoutMs?: number): RuntimeClient {
  const client = new RuntimeClient({ workerPath: WORKER_PATH, logger, stallTimeoutMs });
  client.setModel(spec);
  return client;
}

/** Texts that stress tokenization and offsets. */
export const UNICODE_CASES: Record<string, string> = {
  ascii: 'Input: the movie was great\nOutput: positive\n',
  crlf: 'Input: a\r\nOutput: b\r\n\r\nInput: c\r\n',
  tabs: '\tindented\t\ttabs\n\t',
  combining: 'cafe\u0301 nai\u0308ve re\u0301sume\u0301',
  zwjEmoji: 'family: 👨‍👩‍👧‍👦 and flag 🏳️‍🌈 ok',
  cjk: '日本語のテキスト。中文文本。한국어',
  specialText: 'literal <s> and </s> and <unk> <0x41> text',
  leadingSpaces: '   three spaces then words   ',
  replacementChar: 'a \uFFFD in the source',
};
