/**
 * Chat rendering against node-llama-cpp's own chat path: the tokens renderChat
 * gives equal what the chat wrapper's context text tokenizes to
 * (`generateContextState(...).contextText.tokenize(model.tokenizer)`, no BOS
 * added: LlamaChat adds none), and what LlamaChat itself evaluates; the rendered
 * text, spans and segments describe those tokens exactly.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChatHistoryItem, LlamaModel, Token } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import type { ChatContext, ChatTurn } from '../../../src/core/chat/chatTypes';
import { CHAT_WRAPPER_NAMES } from '../../../src/core/chat/chatTypes';
import type { ModelPreset } from '../../../src/core/gguf/modelPresets';
import { isNoChatTemplateError } from '../../../src/model/analyzeChat';
import { RuntimeError } from '../../../src/model/runtimeError';
import { renderChat, type RenderedTokens } from '../../../src/model/worker/chatRender';
import { LoadedModel } from '../../../src/model/worker/loadedModel';
import { loadSpec, modelFile } from '../../support/fixtures';

type NodeLlamaCpp = typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } });

const TURNS: readonly ChatTurn[] = [
  { role: 'system', content: 'You label reviews.' },
  { role: 'user', content: 'Review: the plot was thin\nLabel?' },
  { role: 'assistant', content: 'negative' },
  { role: 'user', content: '  Review: "great acting" and café ☕\nLabel?' },
];
const CONTEXTS: Record<string, ChatContext> = {
  'generation prompt': { turns: TURNS },
  'reply being written': { turns: TURNS, reply: ' posi' },
  'no system message': { turns: TURNS.slice(1) },
};

/** The history LlamaChat evaluates for a context: the turns, then the open model turn. */
function history(context: ChatContext): ChatHistoryItem[] {
  const items: ChatHistoryItem[] = context.turns.map((t) => (t.role === 'assistant' ? { type: 'model', response: [t.content] } : { type: t.role, text: t.content }));
  items.push({ type: 'model', response: context.reply ? [context.reply] : [] });
  return items;
}

let nlc: NodeLlamaCpp;
async function load(preset: ModelPreset): Promise<{ model: LlamaModel; loaded: LoadedModel }> {
  nlc ??= await import('node-llama-cpp');
  const llama = await nlc.getLlama({ gpu: false, build: 'never', logLevel: nlc.LlamaLogLevel.error });
  const file = modelFile(preset);
  const model = await llama.loadModel({ modelPath: file });
  const logs: string[] = [];
  const loaded = new LoadedModel(loadSpec(file), model, { path: file, name: preset, vocabSize: 0, trainContextSize: model.trainContextSize }, 'no addon in this test', (_l, m) => logs.push(m));
  return { model, loaded };
}

/** Spans tile the rendered text (a prepended BOS aside), each template token reads as the model's token text, and content is found as written. */
function checkLayout(model: LlamaModel, r: RenderedTokens, context: ChatContext): void {
  const { text, segments } = r.rendered;
  assert.equal(r.spans.length, r.tokens.length);
  let end = 0;
  for (let i = 0; i < r.tokens.length; i++) {
    const s = r.spans[i];
    if (s.start === s.end && end === 0 && i === 0 && r.rendered.kind === 'raw') continue;
    assert.equal(s.start, end, `span ${i} starts where span ${i - 1} ended`);
    assert.ok(s.end >= s.start);
    end = s.end;
  }
  assert.equal(end, text.length, 'the spans cover the rendered text');
  const contents = [...context.turns.map((t) => t.content), ...(context.reply === undefined ? [] : [context.reply])];
  let segEnd = 0;
  for (const seg of segments) {
    assert.equal(seg.start, segEnd);
    segEnd = seg.end;
    if (seg.kind === 'content') assert.equal(text.slice(seg.start, seg.end), contents[seg.turn!].slice(seg.contentStart!, seg.contentStart! + seg.end - seg.start));
  }
  assert.equal(segEnd, text.length, 'the segments tile the rendered text');
  // Every turn's content is found (in render order, which a wrapper may change: Mistral moves the system message).
  assert.deepEqual(segments.filter((s) => s.kind === 'content').map((s) => s.turn!).sort((a, b) => a - b), contents.map((_, i) => i));
  // The text is what the tokens detokenize to.
  if (r.rendered.kind !== 'raw') assert.equal(model.detokenize(r.tokens as Token[], true), text);
}

for (const preset of ['chat-chatml', 'chat-llama3', 'chat-qwen2'] as const) {
  describe(`renderChat on ${preset} (auto)`, () => {
    let model: LlamaModel;
    let loaded: LoadedModel;
    before(async () => ({ model, loaded } = await load(preset)));
    after(() => model.dispose());

    for (const [name, context] of Object.entries(CONTEXTS)) {
      it(`gives node-llama-cpp's own tokens: ${name}`, async () => {
        const r = await renderChat(loaded, context, 'auto');
        const template = model.fileInfo.metadata.tokenizer.chat_template!;
        const wrapper = new nlc.JinjaTemplateChatWrapper({ template, tokenizer: model.tokenizer });
        const expected = wrapper.generateContextState({ chatHistory: history(context) }).contextText.tokenize(model.tokenizer);
        assert.deepEqual(r.tokens, expected);
        assert.equal(r.rendered.kind, 'model');
        assert.equal(r.rendered.template, "the model's chat template");
        checkLayout(model, r, context);
        const bos = model.tokens.bos!;
        assert.equal(r.tokens.filter((t) => t === bos).length, preset === 'chat-llama3' ? 1 : 0, 'BOS once where the template writes it, never doubled');
      });
    }

    it('is what LlamaChat evaluates for the same history', async () => {
      const context = CONTEXTS['generation prompt'];
      const r = await renderChat(loaded, context, 'auto');
      const ctx = await model.createContext({ contextSize: 512, threads: 2 });
      try {
        const sequence = ctx.getSequence();
        const template = model.fileInfo.metadata.tokenizer.chat_template!;
        const chat = new nlc.LlamaChat({ contextSequence: sequence, chatWrapper: new nlc.JinjaTemplateChatWrapper({ template, tokenizer: model.tokenizer }) });
        await chat.generateResponse(history(context), { maxTokens: 1 });
        const held = sequence.contextTokens;
        assert.deepEqual(held.slice(0, r.tokens.length), r.tokens, 'LlamaChat evaluated the rendered tokens first');
        assert.ok(held.length <= r.tokens.length + 1, 'and at most the one token it generated after them');
        chat.dispose();
      } finally {
        await ctx.dispose();
      }
    });

    it('tokenizes content that spells a control token as text', async () => {
      const context: ChatContext = { turns: [{ role: 'user', content: '<|im_start|>user\n<|eot_id|><|begin_of_text|>' }] };
      const r = await renderChat(loaded, context, 'auto');
      const control = ['<|im_start|>', '<|eot_id|>', '<|begin_of_text|>'].map((p) => model.tokenize(p, true)).filter((t) => t.length === 1).map((t) => t[0]);
      assert.ok(control.length >= 1);
      const [content] = r.rendered.segments.filter((s) => s.kind === 'content');
      const inside = (r.tokens as Token[]).filter((_, i) => r.spans[i].start >= content.start && r.spans[i].end <= content.end && r.spans[i].end > r.spans[i].start);
      assert.ok(inside.length > 5);
      for (const id of inside) assert.ok(!control.includes(id), `content token ${id} is not a control token`);
      // The template's own control tokens are still there.
      assert.ok((r.tokens as Token[]).some((t) => control.includes(t)));
    });
  });
}

describe('renderChat on a model without a template', () => {
  let model: LlamaModel;
  let loaded: LoadedModel;
  before(async () => ({ model, loaded } = await load('tiny')));
  after(() => model.dispose());

  it('refuses auto with the no-template message', async () => {
    await assert.rejects(renderChat(loaded, CONTEXTS['generation prompt'], 'auto'), (err: unknown) => {
      assert.ok(err instanceof RuntimeError && err.code === 'input');
      assert.match(err.message, /^This model has no chat template/);
      assert.match(err.message, /chatML, llama3\.1/);
      assert.ok(isNoChatTemplateError(err));
      return true;
    });
  });

  it('lists only wrapper names node-llama-cpp accepts', () => {
    for (const name of CHAT_WRAPPER_NAMES) assert.ok((nlc.specializedChatWrapperTypeNames as readonly string[]).includes(name), name);
  });

  for (const name of CHAT_WRAPPER_NAMES) {
    it(`renders with the ${name} wrapper as node-llama-cpp does`, async () => {
      const context = CONTEXTS['reply being written'];
      const r = await renderChat(loaded, context, name);
      const wrapper = nlc.resolveChatWrapper({ type: name as (typeof nlc.specializedChatWrapperTypeNames)[number], warningLogs: false })!;
      const expected = wrapper.generateContextState({ chatHistory: history(context) }).contextText.tokenize(model.tokenizer);
      assert.deepEqual(r.tokens, expected);
      assert.equal(r.rendered.kind, 'wrapper');
      assert.equal(r.rendered.template, `${name} (node-llama-cpp)`);
      checkLayout(model, r, context);
    });
  }

  it('renders raw as the contents joined by blank lines, BOS as the text heatmap has it', async () => {
    const context = CONTEXTS['reply being written'];
    const r = await renderChat(loaded, context, 'raw');
    const text = [...TURNS.map((t) => t.content), context.reply].join('\n\n');
    assert.equal(r.rendered.text, text);
    assert.deepEqual(r.tokens, [model.tokens.bos, ...model.tokenize(text, false)]);
    assert.deepEqual(r.spans[0], { start: 0, end: 0 });
    checkLayout(model, r, context);
  });

  it('refuses an unknown wrapper name, listing the names, and an empty conversation', async () => {
    await assert.rejects(renderChat(loaded, CONTEXTS['generation prompt'], 'chatml'), /^RuntimeError: Unknown chat template "chatml": use auto \(the model's own\), raw, or one of node-llama-cpp's chat wrappers: chatML, llama3\.1/);
    await assert.rejects(renderChat(loaded, { turns: [] }, 'chatML'), /The conversation has no messages/);
  });
});
