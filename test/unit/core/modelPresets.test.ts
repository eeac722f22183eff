import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import { readGgufHeader } from '../../../src/core/gguf/ggufReader';
import { buildPresetModel, PRESET_VOCABS } from '../../../src/core/gguf/modelPresets';
import { tokenizerFromGguf } from '../../../src/core/gguf/tokenizerMetadata';
import { vocabFile } from '../../../tools/modelFiles';

describe('BPE presets', () => {
  const vocab = fs.readFileSync(vocabFile(PRESET_VOCABS['bpe-starcoder']!));
  const source = readGgufHeader(vocab);

  it('copies every tokenizer key of the vocab file and sizes the vocabulary rows to it', () => {
    const model = readGgufHeader(Buffer.concat(buildPresetModel('bpe-starcoder', vocab)));
    const copied = [...source.metadata].filter(([k]) => k.startsWith('tokenizer.'));
    assert.deepEqual(copied.map(([k]) => k), [
      'tokenizer.ggml.model', 'tokenizer.ggml.pre', 'tokenizer.ggml.tokens', 'tokenizer.ggml.token_type', 'tokenizer.ggml.merges',
      'tokenizer.ggml.bos_token_id', 'tokenizer.ggml.eos_token_id', 'tokenizer.ggml.unknown_token_id',
    ]);
    for (const [key, value] of copied) assert.deepEqual(model.metadata.get(key), value, key);
    assert.equal(model.metadata.get('general.architecture')!.value, 'llama');
    assert.equal(model.metadata.get('llama.vocab_size')!.value, 49152);
    const dims = Object.fromEntries(model.tensors.map((t) => [t.name, t.dims]));
    assert.deepEqual(dims['token_embd.weight'], [64, 49152]);
    assert.deepEqual(dims['output.weight'], [64, 49152]);
  });

  it('can replace the chat template', () => {
    const t = tokenizerFromGguf(source, { chatTemplate: '{{ messages }}' });
    assert.deepEqual(t.metadata.filter(([k]) => k === 'tokenizer.chat_template'), [['tokenizer.chat_template', { type: 'string', value: '{{ messages }}' }]]);
    assert.equal(t.size, 49152);
  });

  it('needs the vocab bytes', () => {
    assert.throws(() => buildPresetModel('bpe-qwen2'), /ggml-vocab-qwen2\.gguf/);
    assert.throws(() => tokenizerFromGguf({ metadata: new Map() }), /no tokenizer\.ggml\.tokens/);
  });
});
