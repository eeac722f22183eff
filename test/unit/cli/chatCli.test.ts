/**
 * `icl-lens heatmap|sweep|probe` on chat files as a user runs them: which
 * template rendered the chat, the rendered prompt, tokens in the file's
 * coordinates with the template's marked, numbers equal to a fresh evaluation
 * of the rendered tokens, and the errors (a broken chat file, a model without
 * a template, an unknown --template).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseChatDocument } from '../../../src/core/chat/chatFile';
import { CHAT_WRAPPER_NAMES, type ChatContext } from '../../../src/core/chat/chatTypes';
import { CliRunner } from '../../support/cliRunner';
import { disposeRenderers, renderedTokens } from '../../support/chatReference';
import { modelFile, REPO_ROOT } from '../../support/fixtures';
import { referenceAfter } from '../../support/reference';

const runner = new CliRunner();
after(async () => {
  runner.dispose();
  await disposeRenderers();
});
const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'chat');
const LABELS = path.join(FIXTURES, 'labels.chat.json');
const YESNO = path.join(FIXTURES, 'yesno.chat.txt');
const BROKEN = path.join(FIXTURES, 'broken.chat.json');

interface JsonToken { index: number; id: number; text: string; start: number; end: number; surprisal: number | null; entropy: number | null; template?: true }

describe('icl-lens heatmap on a chat file', () => {
  const model = modelFile('chat-qwen2');
  const text = fs.readFileSync(LABELS, 'utf8');
  const doc = parseChatDocument(text, LABELS)!;

  it('prints the rendered prompt\'s numbers in the file\'s coordinates, equal to a fresh evaluation', async () => {
    const r = runner.run(['heatmap', LABELS, '--model', model, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { template: string; templateKind: string; renderedText: string; text: string; tokens: JsonToken[] };
    assert.equal(out.template, 'the model\'s chat template');
    assert.equal(out.templateKind, 'model');
    assert.equal(out.text, text);
    assert.match(out.renderedText, /^<\|im_start\|>system\nLabel each review/);
    assert.ok(out.renderedText.endsWith('<|im_start|>assistant\nnegative'), 'the marked reply follows the generation prompt, without an end of turn');
    // The rendered tokens, independently: node-llama-cpp's wrapper with the final reply open.
    const turns = doc.messages.slice(0, -1).map((m) => ({ role: m.role, content: m.content }));
    const expected = await renderedTokens(model, { turns, reply: doc.messages.at(-1)!.content }, 'auto');
    assert.deepEqual(out.tokens.map((t) => t.id), expected);
    const rows = await referenceAfter(model, expected, 0);
    let max = 0;
    for (const t of out.tokens) {
      if (t.index === 0) continue;
      const row = rows[t.index - 1];
      const dS = Math.abs(t.surprisal! + row.lnp[t.id] * Math.LOG2E);
      const dH = Math.abs(t.entropy! - row.entropy);
      max = Math.max(max, dS, dH);
      assert.ok(dS <= 1e-3 && dH <= 1e-3, `token ${t.index}: surprisal ${t.surprisal}, entropy ${t.entropy}`);
    }
    process.stdout.write(`# heatmap --json on chat-qwen2: ${out.tokens.length} tokens, max |Δ| ${max.toExponential(2)} bits\n`);
    // Template tokens are marked and sit between content; content tokens lie in their message's content.
    const template = out.tokens.filter((t) => t.template);
    assert.ok(template.length >= 10, 'role headers and special tokens');
    for (const t of template) assert.equal(t.start, t.end);
    const contentRanges = doc.messages.map((m) => [m.sourceOffsets[0], m.sourceOffsets[m.content.length]]);
    for (const t of out.tokens.filter((x) => !x.template)) {
      assert.ok(contentRanges.some(([a, b]) => a <= t.start && t.end <= b), `token ${t.index} ${JSON.stringify(t.text)} at [${t.start}, ${t.end}) lies in a message's content`);
    }
    // The user's "<|im_start|>" is text: its tokens are content, not the control token.
    const literal = text.indexOf('<|im_start|>');
    assert.ok(out.tokens.some((t) => !t.template && t.start <= literal && literal < t.end));
  });

  it('shows the rendered prompt with the template set apart, or a table with a template column when piped', () => {
    const plain = runner.run(['heatmap', LABELS, '--model', model, '--no-color']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^rendered by the model's chat template; \[bracketed\] text is the template's, not in the file/);
    assert.match(plain.stdout, /\[<\|im_start\|>system\]\nLabel each review as positive or negative\.\[<\|im_end\|>\]/);
    const piped = runner.run(['heatmap', LABELS, '--model', model]);
    assert.equal(piped.code, 0, piped.stderr);
    const [head, ...rows] = piped.stdout.trimEnd().split('\n');
    assert.equal(head, 'index\tstart\tend\tid\ttoken\tp\tsurprisal\tentropy\trank\ttemplate');
    assert.ok(rows.some((r) => r.endsWith('\t1')) && rows.some((r) => r.endsWith('\t0')));
  });

  it('renders with a named wrapper or raw when asked, and says so', () => {
    const raw = JSON.parse(runner.run(['heatmap', LABELS, '--model', model, '--json', '--template', 'raw']).stdout);
    assert.equal(raw.template, 'raw text');
    assert.ok(!raw.renderedText.includes('<|im_start|>system'));
    const chatml = JSON.parse(runner.run(['heatmap', LABELS, '--model', model, '--json', '--template', 'chatML']).stdout);
    assert.equal(chatml.template, 'chatML (node-llama-cpp)');
  });

  it('says when the model has no chat template, and renders raw on request', () => {
    const tiny = modelFile('tiny');
    const r = runner.run(['heatmap', LABELS, '--model', tiny, '--json']);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /no chat template.*chatML.*raw/);
    assert.equal(r.stdout, '');
    assert.equal(runner.run(['heatmap', LABELS, '--model', tiny, '--json', '--template', 'raw']).code, 0);
  });
});

describe('icl-lens sweep and probe on a chat file', () => {
  const model = modelFile('chat-chatml');

  it('sweeps the pairs before the final user message and says which template rendered them', async () => {
    const r = runner.run(['sweep', YESNO, '--model', model, '--template', 'chatML', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.template, 'chatML (node-llama-cpp)');
    assert.equal(out.structure.shape, 'chat');
    assert.equal(out.ks.length, 4);
    assert.equal(out.target, 'no');
    assert.deepEqual(out.candidates.map((c: { name: string }) => c.name), ['yes', 'no']);
    // Target bits at k = 3, independently: the full conversation with "no" as the open reply.
    const text = fs.readFileSync(YESNO, 'utf8');
    const doc = parseChatDocument(text, YESNO)!;
    const turns = doc.messages.map((m) => ({ role: m.role, content: m.content }));
    const context: ChatContext = { turns };
    const ctx = await renderedTokens(model, context, 'chatML');
    const full = await renderedTokens(model, { turns, reply: 'no' }, 'chatML');
    const outputs = await Promise.all(['yes', 'no'].map((x) => renderedTokens(model, { turns, reply: x }, 'chatML')));
    let boundary = ctx.length;
    for (const f of [full, ...outputs]) { let j = 0; while (j < boundary && ctx[j] === f[j]) j++; boundary = j; }
    const rows = await referenceAfter(model, full, boundary - 1);
    let bits = 0;
    for (let j = boundary; j < full.length; j++) bits -= rows[j - boundary].lnp[full[j]] * Math.LOG2E;
    assert.ok(Math.abs(out.ks[3].targetBits - bits) <= 1e-3, `${out.ks[3].targetBits} vs ${bits}`);
    // The table says it too.
    const table = runner.run(['sweep', YESNO, '--model', model, '--template', 'chatML', '--no-loo']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^sweep: 3 examples \(chat, rendered by chatML \(node-llama-cpp\)\), model /);
  });

  it('runs a probe and names the template', () => {
    const r = runner.run(['probe', 'loo', YESNO, '--model', model, '--template', 'chatML', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.template, 'chatML (node-llama-cpp)');
    assert.equal(out.examples.length, 3);
    const text = runner.run(['probe', 'calibrate', YESNO, '--model', model, '--template', 'chatML']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^chat rendered by chatML \(node-llama-cpp\)\n/);
  });
});

describe('bad chat input', () => {
  it('gives a broken chat file\'s diagnostic on stderr and the input exit code', () => {
    for (const args of [['sweep', BROKEN], ['probe', 'loo', BROKEN], ['heatmap', BROKEN, '--json']]) {
      const r = runner.run([...args, '--model', modelFile('chat-chatml')]);
      assert.equal(r.code, 4, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /broken\.chat\.json:3: error: Unknown role "wizard": a message's role is system, user or assistant\./);
      assert.equal(r.stdout, '');
    }
  });

  it('refuses a chat that has no query to sweep, saying why', () => {
    const f = runner.file('reply.chat.json', '[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]');
    const r = runner.run(['sweep', f, '--model', modelFile('chat-chatml')]);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /reply\.chat\.json:1: The chat ends with an assistant message, so it has no query/);
  });

  it('refuses an unknown --template, naming the choices', () => {
    const r = runner.run(['heatmap', LABELS, '--template', 'chatml']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--template must be auto, raw or one of chatML, .* \(did you mean chatML\?\)/);
    const s = runner.run(['sweep', LABELS, '--template', 'jinja']);
    assert.equal(s.code, 2);
    assert.match(s.stderr, new RegExp(`one of ${CHAT_WRAPPER_NAMES.join(', ').replace(/\./g, '\\.')}, not "jinja"`));
    assert.match(runner.run(['--help']).stdout, /--template <t>/);
  });
});
