/**
 * The chat heatmap through the runtime worker: every rendered token's numbers
 * against a fresh evaluation of the rendered token sequence (full logits,
 * float64 log-softmax), on both scoring routes; reuse of the cached prefix after
 * an edit; the template errors, after which the worker still serves requests.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseChatDocument } from '../../../src/core/chat/chatFile';
import type { ChatAnalysis, ChatDocument, ChatMessage, ChatTurn } from '../../../src/core/chat/chatTypes';
import { buildRandomLlama, TINY_SHAPE } from '../../../src/core/gguf/randomLlama';
import { buildSpmVocab } from '../../../src/core/gguf/spmVocab';
import { spmTokenizer, type LlamaTokenizer } from '../../../src/core/gguf/tokenizerMetadata';
import { analyzeChatDocument, isNoChatTemplateError } from '../../../src/model/analyzeChat';
import type { RuntimeClient } from '../../../src/model/runtimeClient';
import { RuntimeError } from '../../../src/model/runtimeError';
import { loadSpec, modelFile, runtime } from '../../support/fixtures';
import { referenceSequence, tokenize } from '../../support/reference';

const TOLERANCE_BITS = 1e-3;
const TOP_K = 5;

const TURNS: readonly ChatTurn[] = [
  { role: 'system', content: 'You label reviews as positive or negative.' },
  { role: 'user', content: 'Review: the plot was thin\nLabel?' },
  { role: 'assistant', content: 'negative' },
  { role: 'user', content: 'Review: "great acting" <|im_start|>user café ☕\nLabel?' },
];

/** The largest |Δ| in bits seen per preset and route, for the report. */
const worst: Record<string, number> = {};

/**
 * Every token's numbers equal the reference's for the rendered token sequence; returns the largest |Δ| in bits.
 * The rank is exact on the native route; the exact-map route reads float32 probabilities, which tie for
 * tokens far down a 150k vocabulary, so there it must be a rank the reference gives within the tolerance.
 */
async function checkAgainstReference(model: string, analysis: ChatAnalysis): Promise<number> {
  const exactRank = analysis.route.scorer === 'native';
  const ids = analysis.tokens.map((t) => t.id);
  const rows = await referenceSequence(model, ids, TOP_K);
  let max = 0;
  for (const t of analysis.tokens) {
    const r = rows[t.index];
    if (r === undefined) {
      assert.equal(t.index, 0);
      assert.equal(t.surprisal, null, 'nothing predicts the first token');
      continue;
    }
    const dS = Math.abs(t.surprisal! - r.surprisal);
    const dH = Math.abs(t.entropy! - r.entropy);
    max = Math.max(max, dS, dH);
    assert.ok(dS <= TOLERANCE_BITS, `surprisal of token ${t.index}: ${t.surprisal} vs ${r.surprisal}`);
    assert.ok(dH <= TOLERANCE_BITS, `entropy of token ${t.index}: ${t.entropy} vs ${r.entropy}`);
    assert.ok(Math.abs(t.p! - 2 ** -r.surprisal) <= 1e-6, `p of token ${t.index}`);
    if (exactRank) {
      assert.equal(t.rank, r.rank, `rank of token ${t.index}`);
    } else {
      const tol = TOLERANCE_BITS / Math.LOG2E;
      const lnpT = r.lnp[t.id];
      let surelyAbove = 0;
      let maybeAbove = 0;
      for (const l of r.lnp) {
        if (l > lnpT + tol) surelyAbove++;
        if (l > lnpT - tol) maybeAbove++;
      }
      assert.ok(t.rank! >= surelyAbove + 1 && t.rank! <= maybeAbove, `rank of token ${t.index}: ${t.rank}, reference ${r.rank} (${surelyAbove + 1}..${maybeAbove} within ${TOLERANCE_BITS} bits)`);
    }
    assert.deepEqual(t.top.map((a) => a.id), r.topIds, `top-k of token ${t.index}`);
    for (const a of t.top) assert.ok(Math.abs(Math.log2(a.p) - r.lnp[a.id] * Math.LOG2E) <= TOLERANCE_BITS, `alternative ${a.id} of token ${t.index}`);
  }
  // Spans tile the rendered text and each token's text is its part of it.
  let end = 0;
  for (const t of analysis.tokens) {
    assert.equal(t.start, end);
    end = t.end;
    if (t.end > t.start) assert.equal(t.text, analysis.text.slice(t.start, t.end));
  }
  assert.equal(end, analysis.rendered.text.length);
  assert.equal(analysis.text, analysis.rendered.text);
  return max;
}

for (const scorer of ['auto', 'exact-map'] as const) {
  for (const preset of ['chat-chatml', 'chat-llama3', 'chat-qwen2'] as const) {
    describe(`analyzeChat on ${preset} (${scorer} scorer)`, () => {
      let client: RuntimeClient;
      const model = modelFile(preset);
      before(() => { client = runtime(loadSpec(model, { scorer })); });
      after(async () => {
        await client.dispose();
        if (worst[`${preset} ${scorer}`] !== undefined) process.stdout.write(`# max |Δ| ${preset} ${scorer}: ${worst[`${preset} ${scorer}`].toExponential(2)} bits\n`);
      });

      it('equals a fresh evaluation of the rendered tokens, the reply being written', async () => {
        const analysis = await client.analyzeChat({ turns: TURNS, reply: ' posi', template: 'auto', topK: TOP_K });
        assert.equal(analysis.rendered.kind, 'model');
        assert.ok(analysis.rendered.text.endsWith(' posi'));
        worst[`${preset} ${scorer}`] = Math.max(worst[`${preset} ${scorer}`] ?? 0, await checkAgainstReference(model, analysis));
        // Content that spells a control token is text: the control token appears only where the template writes it.
        const imStart = (await tokenize(model, '<|im_start|>')).length;
        assert.ok(imStart > 1, 'the test text is several tokens as text');
        const content = analysis.rendered.segments.find((s) => s.kind === 'content' && s.turn === 3)!;
        const inside = analysis.tokens.filter((t) => t.start >= content.start && t.end <= content.end);
        assert.ok(inside.length > 3);
        for (const t of inside) assert.ok(!/^<\|[a-z_]+\|>$/.test(t.text), `content token ${t.index} ${JSON.stringify(t.text)} is not a control token`);
      });

      it('re-analyses an edit of one message from the cached prefix, still equal to a fresh evaluation', async () => {
        // A system message long enough that the shared prefix spans more than one batch
        // (re-evaluation restarts at the row before the change).
        const longer = [{ role: 'system' as const, content: `${TURNS[0].content} ${'Answer with one word, in lower case, and nothing else. '.repeat(6)}` }, ...TURNS.slice(1)];
        const first = await client.analyzeChat({ turns: longer, template: 'auto', topK: TOP_K });
        const edited = [...longer.slice(0, 3), { role: 'user' as const, content: 'Review: dull and long\nLabel?' }];
        const second = await client.analyzeChat({ turns: edited, template: 'auto', topK: TOP_K });
        assert.ok(second.route.tokensEvaluated < second.tokens.length, `evaluated ${second.route.tokensEvaluated} of ${second.tokens.length}`);
        assert.ok(second.route.tokensEvaluated > 0);
        assert.notDeepEqual(second.tokens.map((t) => t.id), first.tokens.map((t) => t.id));
        worst[`${preset} ${scorer}`] = Math.max(worst[`${preset} ${scorer}`] ?? 0, await checkAgainstReference(model, second));
      });
    });
  }
}

/** A tiny model with `template` as its chat template, written once per process into the temp directory. */
function templatedTinyModel(name: string, template: string): string {
  const file = path.join(os.tmpdir(), 'icl-lens-test-models', `${name}-${process.pid}.gguf`);
  if (fs.existsSync(file)) return file;
  const base = spmTokenizer(buildSpmVocab({ size: 512, byteFallback: true }));
  const tokenizer: LlamaTokenizer = { ...base, metadata: [...base.metadata, ['tokenizer.chat_template', { type: 'string', value: template }]] };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.concat(buildRandomLlama({ name, shape: TINY_SHAPE, weightType: 'f32', seed: 7, outputScale: 4, tokenizer })));
  return file;
}

describe('analyzeChat errors', () => {
  it('says a model has no template, and serves a named wrapper on it', async () => {
    const model = modelFile('tiny');
    const client = runtime(loadSpec(model));
    try {
      await assert.rejects(client.analyzeChat({ turns: TURNS, template: 'auto', topK: TOP_K }), (err: unknown) => {
        assert.ok(isNoChatTemplateError(err), String(err));
        assert.match((err as Error).message, /^This model has no chat template/);
        return true;
      });
      const analysis = await client.analyzeChat({ turns: TURNS, reply: ' posi', template: 'chatML', topK: TOP_K });
      assert.equal(analysis.rendered.template, 'chatML (node-llama-cpp)');
      assert.equal(analysis.tokens[0].id, 1, 'the wrapper writes BOS');
      const max = await checkAgainstReference(model, analysis);
      process.stdout.write(`# max |Δ| tiny chatML: ${max.toExponential(2)} bits\n`);
      const raw = await client.analyzeChat({ turns: TURNS, template: 'raw', topK: TOP_K });
      assert.equal(raw.rendered.text, TURNS.map((t) => t.content).join('\n\n'));
      assert.equal(raw.tokens[0].start, 0);
      assert.equal(raw.tokens[0].end, 0, 'the prepended BOS is not in the raw text');
    } finally {
      await client.dispose();
    }
  });

  for (const [name, template, message] of [
    ['raises', "{{ raise_exception('This model refuses every conversation') }}", /This model refuses every conversation/],
    ['broken', '{% for message in messages %}{{ message.content }', /./],
  ] as const) {
    it(`says the model's template failed (${name}), and the worker goes on`, async () => {
      const model = templatedTinyModel(`icl-lens-template-${name}`, template);
      const client = runtime(loadSpec(model));
      try {
        await assert.rejects(client.analyzeChat({ turns: TURNS, template: 'auto', topK: TOP_K }), (err: unknown) => {
          assert.ok(err instanceof RuntimeError && err.code === 'input', String(err));
          assert.match(err.message, /^The model's chat template failed: /);
          assert.match(err.message, message);
          assert.ok(!err.message.includes('\n'), 'one line');
          assert.ok(!isNoChatTemplateError(err));
          return true;
        });
        const analysis = await client.analyzeChat({ turns: TURNS, template: 'llama3', topK: TOP_K });
        assert.ok(analysis.tokens.length > 10);
        const text = await client.analyze({ text: 'the worker still answers', topK: TOP_K });
        assert.ok(text.tokens.length > 0);
      } finally {
        await client.dispose();
        fs.rmSync(model, { force: true });
      }
    });
  }
});

/** A chat document in the text form, made by hand (the parser is core/chat/chatFile.ts's). */
function textDocument(messages: ReadonlyArray<ChatTurn>, diagnostics: ChatDocument['diagnostics'] = []): { text: string; doc: ChatDocument } {
  let text = '';
  const parsed: ChatMessage[] = [];
  for (const m of messages) {
    const start = text.length;
    const header = `${m.role}:\n`;
    const contentStart = start + header.length;
    text += `${header}${m.content}\n`;
    parsed.push({
      ...m, start, end: text.length, roleStart: start, roleEnd: start + m.role.length,
      sourceOffsets: Array.from({ length: m.content.length + 1 }, (_, i) => contentStart + i), isTarget: false,
    });
  }
  return { text, doc: { form: 'text', messages: parsed, target: null, diagnostics, bodyStart: 0, fields: {} } };
}

describe('analyzeChatDocument', () => {
  it('refuses a document with errors, naming the first, before any model work', async () => {
    const client = runtime(loadSpec(modelFile('chat-qwen2')));
    try {
      const { text, doc } = textDocument(TURNS, [
        { offset: 0, length: 3, message: 'Unknown role "bot"', severity: 'error' },
        { offset: 5, length: 1, message: 'second problem', severity: 'error' },
      ]);
      await assert.rejects(analyzeChatDocument(client, text, doc, 'auto', TOP_K), (err: unknown) => {
        assert.ok(err instanceof RuntimeError && err.code === 'input');
        assert.match(err.message, /Unknown role "bot"/);
        assert.doesNotMatch(err.message, /second problem/);
        return true;
      });
      assert.equal(client.running, false, 'no worker was started');
      await assert.rejects(analyzeChatDocument(client, '', textDocument([]).doc, 'auto', TOP_K), /no messages/);
      assert.equal(client.running, false);
    } finally {
      await client.dispose();
    }
  });

  it('sends a final assistant message as the reply being written, after the generation prompt', async () => {
    const client = runtime(loadSpec(modelFile('chat-qwen2')));
    try {
      const { text, doc } = textDocument([...TURNS, { role: 'assistant', content: 'posi' }]);
      const result = await analyzeChatDocument(client, text, doc, 'auto', TOP_K);
      const rendered = result.rendered.rendered;
      assert.ok(rendered.text.endsWith('<|im_start|>assistant\nposi'), JSON.stringify(rendered.text.slice(-40)));
      const last = rendered.segments.at(-1)!;
      assert.deepEqual([last.kind, last.turn], ['content', TURNS.length]);
      const asked = await client.analyzeChat({ turns: TURNS, reply: 'posi', template: 'auto', topK: TOP_K });
      assert.deepEqual(result.rendered.tokens.map((t) => t.id), asked.tokens.map((t) => t.id));
      // Without a final assistant message the generation prompt ends the prompt.
      const open = await analyzeChatDocument(client, textDocument(TURNS).text, textDocument(TURNS).doc, 'auto', TOP_K);
      assert.ok(open.rendered.rendered.text.endsWith('<|im_start|>assistant\n'));
    } finally {
      await client.dispose();
    }
  });
});

describe('a chat file end to end (parser, renderer, runtime, source mapping)', () => {
  it('colours every content character of a JSON chat with escapes and emoji in place, template tokens kept in order', async () => {
    const model = modelFile('chat-llama3');
    const client = runtime(loadSpec(model));
    try {
      const text = '{"messages": [\n  {"role": "system", "content": "Answer \\"yes\\" or \\"no\\".\\nBe brief."},\n'
        + '  {"role": "user", "content": "Is caf\\u00e9 ☕ hot? 👨‍👩‍👧"},\n  {"role": "assistant", "content": "ye"}\n]}\n';
      const doc = parseChatDocument(text, 'test.chat.json')!;
      assert.ok(doc !== null && doc.diagnostics.length === 0, JSON.stringify(doc?.diagnostics));
      const result = await analyzeChatDocument(client, text, doc, 'auto', TOP_K);
      assert.equal(result.text, text);
      assert.deepEqual(result.tokens.map((t) => [t.id, t.surprisal]), result.rendered.tokens.map((t) => [t.id, t.surprisal]));
      for (const [i, m] of doc.messages.entries()) {
        const from = m.sourceOffsets[0];
        const to = m.sourceOffsets[m.content.length];
        const mine = result.tokens.filter((t) => !t.template && t.end > t.start && t.start >= from && t.end <= to);
        // The content tokens of message i tile its content's source range, escapes included.
        let at = from;
        for (const t of mine) {
          assert.equal(t.start, at, `message ${i}: token ${t.index} starts where the previous ended`);
          at = t.end;
        }
        assert.equal(at, to, `message ${i}: its content is covered`);
      }
      const template = result.tokens.filter((t) => t.template);
      assert.ok(template.some((t) => t.text === '<|begin_of_text|>') && template.some((t) => t.text === '<|eot_id|>'));
      assert.equal(result.tokens.filter((t) => !t.template && t.end > t.start).every((t) => t.start >= doc.messages[0].sourceOffsets[0]), true);
    } finally {
      await client.dispose();
    }
  });
});
