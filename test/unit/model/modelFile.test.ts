/** checkModelFile refuses malformed GGUF files in words, in milliseconds, reading only the header. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { encodeGguf, GgmlType } from '../../../src/core/gguf/ggufWriter';
import { RuntimeError } from '../../../src/model/runtimeError';
import { checkModelFile } from '../../../src/model/worker/modelFile';
import { craftGguf, DEFECT_MESSAGES, type GgufDefect } from '../../support/craftedGguf';
import { modelFile } from '../../support/fixtures';

describe('checkModelFile', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'icl-lens-model-file-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const write = (name: string, bytes: Uint8Array): string => {
    const f = path.join(tmp, name);
    fs.writeFileSync(f, bytes);
    return f;
  };

  for (const [defect, message] of Object.entries(DEFECT_MESSAGES)) {
    it(`refuses a GGUF with ${defect} as a model error`, () => {
      const file = write(`${defect}.gguf`, craftGguf(defect as GgufDefect));
      const t0 = performance.now();
      assert.throws(() => checkModelFile(file), (err: Error) => {
        assert.ok(err instanceof RuntimeError && err.code === 'model');
        assert.ok(err.message.startsWith(`${file} is not a usable GGUF model: `), err.message);
        assert.match(err.message, message);
        return true;
      });
      assert.ok(performance.now() - t0 < 200);
    });
  }

  it('keeps the messages for a missing file, a directory, a tiny file, another format and another version', () => {
    const cases: Array<[string, RegExp]> = [
      [path.join(tmp, 'missing.gguf'), /Model file not found/],
      [tmp, /is a directory, not a \.gguf model file/],
      [write('small.gguf', Buffer.from('GGUF')), /too small to be a GGUF model \(4 bytes\)/],
      [write('other.gguf', Buffer.alloc(64, 'x')), /is not a GGUF file \(it does not start with "GGUF"\)/],
      [write('v1.gguf', Buffer.concat([Buffer.from('GGUF'), Buffer.from([1, 0, 0, 0]), Buffer.alloc(40)])), /is GGUF version 1; versions 2 and 3 are supported/],
    ];
    for (const [file, message] of cases) assert.throws(() => checkModelFile(file), (err: Error) => err instanceof RuntimeError && err.code === 'model' && message.test(err.message));
  });

  it('accepts the generated models', () => {
    checkModelFile(modelFile('tiny'));
    checkModelFile(write('ok.gguf', craftGguf('none')));
  });

  it('validates a multi-GB file in milliseconds', () => {
    // A sparse 4 GiB file: a valid header, then one 4 GiB tensor of zeros that is never read.
    const header = Buffer.concat(encodeGguf([['general.name', { type: 'string', value: 'sparse' }]], [
      { name: 'w', dims: [65536, 16384], type: GgmlType.F32, data: new Uint8Array(0) }]));
    const file = write('sparse.gguf', header);
    fs.truncateSync(file, header.length + 2 ** 32);
    const t0 = performance.now();
    checkModelFile(file);
    assert.ok(performance.now() - t0 < 200, `${performance.now() - t0} ms`);
    fs.truncateSync(file, header.length + 2 ** 32 - 1);
    assert.throws(() => checkModelFile(file), /tensor 0 \("w"\) data ends at byte \d+, past the end of the file/);
  });
});
