/**
 * The chat presets: real chat templates, copied verbatim from the pinned
 * llama.cpp source, written into `tokenizer.chat_template` on real vocabularies
 * whose control tokens the templates need, and read back by node-llama-cpp.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import { CHATML_TEMPLATE, LLAMA3_TEMPLATE, QWEN2_TEMPLATE } from '../../../src/core/gguf/chatTemplates';
import { readGgufHeader } from '../../../src/core/gguf/ggufReader';
import { PRESET_CHAT_TEMPLATES, PRESET_VOCABS, type ModelPreset } from '../../../src/core/gguf/modelPresets';
import { modelFile } from '../../support/fixtures';
import { llamaCppSource, vocabFile } from '../../../tools/modelFiles';

type NodeLlamaCpp = typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } });

function llamaCppFile(rel: string): string {
  return execFileSync('git', ['-C', llamaCppSource(), 'show', `HEAD:${rel}`], { encoding: 'utf8', maxBuffer: 16 << 20 });
}

/** The control tokens each template writes, as the vocabulary must have them. */
const CONTROL: Record<string, readonly string[]> = {
  'chat-chatml': ['<|im_start|>', '<|im_end|>'],
  'chat-llama3': ['<|begin_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'],
  'chat-qwen2': ['<|im_start|>', '<|im_end|>', '<|endoftext|>'],
};

describe('chat templates', () => {
  it('are verbatim copies of the llama.cpp source', () => {
    assert.equal(LLAMA3_TEMPLATE, llamaCppFile('models/templates/meta-llama-Llama-3.1-8B-Instruct.jinja'));
    assert.equal(QWEN2_TEMPLATE, llamaCppFile('models/templates/Qwen-Qwen2.5-7B-Instruct.jinja'));
    // The first case of llama.cpp's template tests, written there as a C string literal.
    const cpp = llamaCppFile('tests/test-chat-template.cpp');
    const literal = /"teknium\/OpenHermes-2\.5-Mistral-7B",\s*\/\* \.template_str= \*\/ ("(?:[^"\\]|\\.)*")/.exec(cpp);
    assert.ok(literal, 'the ChatML case is in tests/test-chat-template.cpp');
    assert.equal(CHATML_TEMPLATE, JSON.parse(literal[1]) as string);
  });
});

for (const preset of ['chat-chatml', 'chat-llama3', 'chat-qwen2'] as const satisfies readonly ModelPreset[]) {
  describe(`preset ${preset}`, () => {
    const file = modelFile(preset);

    it('writes its template and keeps the vocabulary\'s special tokens and ids', () => {
      const header = readGgufHeader(fs.readFileSync(file));
      const vocab = readGgufHeader(fs.readFileSync(vocabFile(PRESET_VOCABS[preset]!)));
      assert.equal(header.metadata.get('tokenizer.chat_template')?.value, PRESET_CHAT_TEMPLATES[preset]);
      for (const key of ['tokenizer.ggml.tokens', 'tokenizer.ggml.token_type', 'tokenizer.ggml.bos_token_id', 'tokenizer.ggml.eos_token_id']) {
        assert.deepEqual(header.metadata.get(key), vocab.metadata.get(key), key);
      }
      const tokens = header.metadata.get('tokenizer.ggml.tokens')!.value as string[];
      const types = header.metadata.get('tokenizer.ggml.token_type')!.value as number[];
      for (const piece of CONTROL[preset]) {
        const id = tokens.indexOf(piece);
        assert.ok(id >= 0, `${piece} is in the vocabulary`);
        assert.equal(types[id], 3, `${piece} is a control token`);
      }
      assert.ok(fs.statSync(file).size < 32e6, 'the model file stays small');
    });

    it('is read by node-llama-cpp, template and control tokens', async () => {
      const nlc = await import('node-llama-cpp') as NodeLlamaCpp;
      const llama = await nlc.getLlama({ gpu: false, build: 'never', logLevel: nlc.LlamaLogLevel.error });
      const model = await llama.loadModel({ modelPath: file, vocabOnly: true });
      try {
        assert.equal(model.fileInfo.metadata.tokenizer.chat_template, PRESET_CHAT_TEMPLATES[preset]);
        for (const piece of CONTROL[preset]) {
          const special = model.tokenize(piece, true);
          assert.equal(special.length, 1, `${piece} is one token with special tokens on`);
          assert.ok(model.isSpecialToken(special[0]), `${piece} is special`);
          assert.ok(model.tokenize(piece, false).length > 1, `${piece} as text is several tokens`);
        }
        if (preset === 'chat-llama3') {
          assert.equal(model.tokens.bosString, '<|begin_of_text|>');
          assert.equal(model.tokens.eotString, '<|eot_id|>');
        } else {
          assert.equal(model.tokens.eotString, '<|im_end|>');
        }
      } finally {
        await model.dispose();
      }
    });
  });
}
