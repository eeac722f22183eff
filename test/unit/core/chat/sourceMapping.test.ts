/**
 * The rendered prompt's tokens mapped back onto the chat file. A pure fake
 * renderer stands in for the chat template (ChatML-like special tokens, or
 * plain text joining the contents) and a fake tokenizer cuts the rendered text
 * at random places: inside escapes' characters, between the halves of an
 * emoji, across template text and content, with empty tokens (BOS, the first
 * bytes of a character). Every content token's source range must decode to
 * exactly the content it covers.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TokenStat } from '../../../../src/core/analysis';
import { parseChatDocument } from '../../../../src/core/chat/chatFile';
import type { ChatAnalysis, ChatDocument, RenderedChat, RenderedSegment } from '../../../../src/core/chat/chatTypes';
import { templateNeighbours, toSourceAnalysis } from '../../../../src/core/chat/sourceMapping';
import { mulberry32 } from '../../../../src/core/seededRandom';

type Style = 'chatml' | 'plain';

/** The messages rendered: ChatML-like (each content cut into two runs), or contents joined by blank lines. The last assistant message is the reply, unterminated. */
function render(doc: ChatDocument, style: Style, random: () => number): RenderedChat {
  let text = '';
  const segments: RenderedSegment[] = [];
  const template = (s: string) => {
    segments.push({ start: text.length, end: text.length + s.length, kind: 'template' });
    text += s;
  };
  const content = (turn: number, from: number, s: string) => {
    if (s.length === 0) return;
    segments.push({ start: text.length, end: text.length + s.length, kind: 'content', turn, contentStart: from });
    text += s;
  };
  const last = doc.messages.length - 1;
  doc.messages.forEach((m, i) => {
    const reply = i === last && m.role === 'assistant';
    if (style === 'chatml') {
      template(`<|im_start|>${m.role}\n`);
      const cut = Math.floor(random() * (m.content.length + 1));
      content(i, 0, m.content.slice(0, cut));
      content(i, cut, m.content.slice(cut));
      if (!reply) template('<|im_end|>\n');
    } else {
      if (i > 0) template('\n\n');
      content(i, 0, m.content);
    }
  });
  if (style === 'chatml' && doc.messages[last].role !== 'assistant') template('<|im_start|>assistant\n');
  return { template: style, kind: style === 'chatml' ? 'model' : 'raw', text, segments };
}

/**
 * Tokens over the rendered text: BOS (empty, at 0), special tokens whole
 * (ChatML), otherwise pieces of 1–6 units cut anywhere; before a piece that
 * starts on a non-ASCII character, sometimes empty tokens (its first bytes).
 */
function tokenize(rendered: RenderedChat, style: Style, random: () => number, words = false): Array<{ start: number; end: number }> {
  const spans = [{ start: 0, end: 0 }];
  const pieces = (from: number, to: number) => {
    for (let at = from; at < to;) {
      const space = rendered.text.indexOf(' ', at + 1);
      const end = words ? (space < 0 || space > to ? to : space) : Math.min(to, at + 1 + Math.floor(random() * 6));
      if (rendered.text.charCodeAt(at) > 0x7f) for (let k = Math.floor(random() * 3); k > 0; k--) spans.push({ start: at, end: at });
      spans.push({ start: at, end });
      at = end;
    }
  };
  if (style === 'plain') {
    pieces(0, rendered.text.length);
    return spans;
  }
  for (const seg of rendered.segments) {
    if (seg.kind === 'content') {
      pieces(seg.start, seg.end);
      continue;
    }
    const re = /<\|im_(?:start|end)\|>/g;
    let at = seg.start;
    for (let m = re.exec(rendered.text.slice(0, seg.end)); m !== null; m = re.exec(rendered.text.slice(0, seg.end))) {
      if (m.index < seg.start) continue;
      if (m.index > at) spans.push({ start: at, end: m.index });
      spans.push({ start: m.index, end: m.index + m[0].length });
      at = m.index + m[0].length;
    }
    if (at < seg.end) spans.push({ start: at, end: seg.end });
  }
  return spans;
}

function analysisOf(rendered: RenderedChat, spans: ReadonlyArray<{ start: number; end: number }>): ChatAnalysis {
  const tokens: TokenStat[] = spans.map((s, index) => ({
    index, id: 1000 + index, text: rendered.text.slice(s.start, s.end), start: s.start, end: s.end,
    surprisal: index === 0 ? null : index / 10, entropy: index === 0 ? null : index / 7, p: index === 0 ? null : 1 / (index + 1), rank: index === 0 ? null : 1 + (index % 5), top: [],
  }));
  return {
    model: { path: '/m.gguf', name: 'fake', vocabSize: 5000, contextSize: 4096, trainContextSize: 4096 },
    text: rendered.text, tokens, next: { entropy: 1.5, top: [] }, route: { scorer: 'native', reading: 'all', precision: 'exact', tokensEvaluated: tokens.length }, rendered,
  };
}

/** The content units a rendered span covers, as [turn, unit] pairs in order (for an empty span inside content: the unit it sits on). */
function coveredUnits(rendered: RenderedChat, span: { start: number; end: number }): Array<[number, number]> {
  const units: Array<[number, number]> = [];
  for (const seg of rendered.segments) {
    if (seg.kind !== 'content') continue;
    for (let x = Math.max(span.start, seg.start); x < Math.min(span.end, seg.end); x++) units.push([seg.turn ?? -1, (seg.contentStart ?? 0) + x - seg.start]);
  }
  return units;
}

const decodeJson = (slice: string) => (JSON.parse(`[{"text": "${slice}"}]`) as Array<{ text: string }>).map((p) => p.text).join('');
const decodeText = (slice: string) => slice.replace(/\r\n|\r/g, '\n');

/** Map a random rendering of `text` and check every token against what it came from. Returns how many content tokens were checked. */
function checkMapping(text: string, name: string, decode: (slice: string) => string, style: Style, seed: number): { content: number; straddling: number; emptyContent: number } {
  const doc = parseChatDocument(text, name);
  assert.ok(doc !== null);
  assert.deepEqual(doc.diagnostics.filter((d) => d.severity === 'error'), []);
  const random = mulberry32(seed);
  const rendered = render(doc, style, random);
  const analysis = analysisOf(rendered, tokenize(rendered, style, random));
  const mapped = toSourceAnalysis(text, doc, analysis);
  assert.equal(mapped.text, text);
  assert.equal(mapped.rendered, analysis);
  assert.equal(mapped.tokens.length, analysis.tokens.length);
  assert.equal(mapped.next, analysis.next);
  let content = 0;
  let straddling = 0;
  let emptyContent = 0;
  mapped.tokens.forEach((t, i) => {
    const r = analysis.tokens[i];
    assert.deepEqual({ ...t, start: 0, end: 0, template: undefined }, { ...r, start: 0, end: 0, template: undefined }, 'numbers and order unchanged');
    const units = coveredUnits(rendered, r);
    const where = `token ${i} ${JSON.stringify(r.text)} (${style}, seed ${seed})`;
    if (r.end === r.start) {
      const inside = i > 0 && rendered.segments.some((s) => s.kind === 'content' && s.start <= r.start && r.start < s.end);
      if (inside) {
        const [[turn, a]] = coveredUnits(rendered, { start: r.start, end: r.start + 1 });
        assert.equal(t.template, undefined, where);
        assert.deepEqual([t.start, t.end], [doc.messages[turn].sourceOffsets[a], doc.messages[turn].sourceOffsets[a]], where);
        emptyContent++;
      } else {
        assert.equal(t.template, true, where);
      }
      return;
    }
    if (units.length === 0) {
      assert.equal(t.template, true, where);
      assert.equal(t.start, t.end, where);
      return;
    }
    assert.equal(t.template, undefined, where);
    content++;
    if (units.length < r.end - r.start) straddling++;
    const turns = new Set(units.map(([turn]) => turn));
    const slice = text.slice(t.start, t.end);
    if (turns.size === 1) {
      const m = doc.messages[units[0][0]];
      const covered = units.map(([, a]) => m.content[a]).join('');
      assert.equal(decode(slice), covered, `${where} maps to ${JSON.stringify(slice)}`);
      // Decoding skips the JSON between two text parts, so also: the range starts and ends on content, not on that JSON.
      assert.ok(!slice.startsWith('"}') && !slice.endsWith('"text": "'), `${where} maps to ${JSON.stringify(slice)}`);
    } else {
      // Across two messages: from the first character's source to the last one's.
      const [ft, fa] = units[0];
      const [lt, la] = units[units.length - 1];
      assert.equal(t.start, doc.messages[ft].sourceOffsets[fa], where);
      assert.equal(decode(text.slice(doc.messages[lt].sourceOffsets[la], t.end)), doc.messages[lt].content[la], where);
    }
  });
  // Template tokens sit at the next content token's start, else the previous one's end, else the body's start.
  mapped.tokens.forEach((t, i) => {
    if (t.template !== true) return;
    const next = mapped.tokens.slice(i + 1).find((u) => u.template !== true);
    const previous = mapped.tokens.slice(0, i).reverse().find((u) => u.template !== true);
    assert.equal(t.start, next?.start ?? previous?.end ?? doc.bodyStart, `template token ${i}`);
  });
  return { content, straddling, emptyContent };
}

const JSON_FILE = '{\r\n  "target": " Paris",\r\n  "messages": [\r\n'
  + '    {"role": "system", "content": "Answer in \\"one\\" word.\\nOnly one.\\r\\nReally \\\\ \\/ \\t"},\r\n'
  + '    {"role": "user", "content": "caf\\u00e9 or café? 😀 \\ud83d\\ude00 \\uD83D\\uDE00 na\\u0131ve \\u00E9t\\u00e9"},\r\n'
  + '    {"role": "assistant", "content": [{"type": "text", "text": "Caf\\u00e9 "}, {"type": "text", "text": "😀!\\n"}]},\r\n'
  + '    {"role": "user", "content": ""},\r\n'
  + '    {"role": "user", "content": "Capital of France?\\n\\n\\"Quoted\\"\\u0000"},\r\n'
  + '    {"role": "assistant", "content": " Paris \\u2014 é😀", "target": true}\r\n  ]\r\n}\r\n';

const TEXT_FILE = '---\r\ntarget: " Paris"\r\n---\r\nsystem:\r\n  Answer in "one" word.\r\nOnly one.\t\r\n\r\n'
  + 'user: café or café? 😀 👨‍👩‍👧\r\n\r\nsecond paragraph\r\n'
  + 'assistant:\r\nCafé 😀!\r\nuser:\r\n\r\nuser: Capital of France?\rlone CR\nLF\r\n'
  + 'assistant (target): Paris — é😀\r\n\r\n';

describe('rendered tokens mapped onto the chat file', () => {
  for (const [form, text, name, decode] of [['JSON', JSON_FILE, 'x.chat.json', decodeJson], ['text', TEXT_FILE, 'x.chat.txt', decodeText]] as const) {
    for (const style of ['chatml', 'plain'] as const) {
      it(`${form} form, ${style} template: every content token's range covers exactly the characters it came from`, () => {
        let totals = { content: 0, straddling: 0, emptyContent: 0 };
        for (let seed = 1; seed <= 60; seed++) {
          const n = checkMapping(text, name, decode, style, seed);
          totals = { content: totals.content + n.content, straddling: totals.straddling + n.straddling, emptyContent: totals.emptyContent + n.emptyContent };
        }
        assert.ok(totals.content > 1000, `${totals.content} content tokens checked`);
        assert.ok(totals.emptyContent > 50, `${totals.emptyContent} empty content tokens`);
        if (style === 'plain') assert.ok(totals.straddling > 50, `${totals.straddling} tokens across template and content`);
      });
    }
  }

  it('places template tokens: BOS and the first header at the first content, the generation prompt after the last', () => {
    const text = 'user: hi\r\nassistant: yo';
    const doc = parseChatDocument(text, 'x.chat.txt');
    assert.ok(doc !== null);
    // <s> | <|im_start|> | user\n | hi | <|im_end|> | \n | <|im_start|> | assistant\n | yo
    const rendered = render(doc, 'chatml', () => 0.999);
    assert.equal(rendered.text, '<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nyo');
    const analysis = analysisOf(rendered, tokenize(rendered, 'chatml', () => 0.999));
    const mapped = toSourceAnalysis(text, doc, analysis);
    const rows = mapped.tokens.map((t) => [t.text, t.start, t.end, t.template === true]);
    assert.deepEqual(rows, [
      ['', 6, 6, true], ['<|im_start|>', 6, 6, true], ['user\n', 6, 6, true], ['hi', 6, 8, false],
      ['<|im_end|>', 21, 21, true], ['\n', 21, 21, true], ['<|im_start|>', 21, 21, true], ['assistant\n', 21, 21, true], ['yo', 21, 23, false],
    ]);
    // A user-final chat: the generation prompt sits at the end of the last content.
    const userLast = parseChatDocument('user: hi', 'x.chat.txt');
    assert.ok(userLast !== null);
    const r2 = render(userLast, 'chatml', () => 0.999);
    const m2 = toSourceAnalysis('user: hi', userLast, analysisOf(r2, tokenize(r2, 'chatml', () => 0.999)));
    assert.deepEqual(m2.tokens.slice(-4).map((t) => [t.text, t.start, t.end, t.template === true]), [
      ['<|im_end|>', 8, 8, true], ['\n', 8, 8, true], ['<|im_start|>', 8, 8, true], ['assistant\n', 8, 8, true],
    ]);
    // No content at all: everything sits at the body's start.
    const empty = parseChatDocument('---\ntarget: x\n---\nuser:\n', 'x.chat.txt');
    assert.ok(empty !== null);
    const r3 = render(empty, 'chatml', () => 0.5);
    const m3 = toSourceAnalysis('---\ntarget: x\n---\nuser:\n', empty, analysisOf(r3, tokenize(r3, 'chatml', () => 0.5)));
    assert.ok(m3.tokens.length > 1 && m3.tokens.every((t) => t.template === true && t.start === empty.bodyStart && t.end === empty.bodyStart));
  });

  it('templateNeighbours: the template run before a content token, and after the last one of its message', () => {
    const text = 'system: be brief\nuser: hi there';
    const doc = parseChatDocument(text, 'x.chat.txt');
    assert.ok(doc !== null);
    const rendered = render(doc, 'chatml', () => 0.999);
    // Content cut in words: "be", " brief", "hi", " there".
    const spans = tokenize(rendered, 'chatml', () => 0.999, true);
    const mapped = toSourceAnalysis(text, doc, analysisOf(rendered, spans));
    const texts = (ts: readonly TokenStat[]) => ts.map((t) => t.text);
    const at = (piece: string) => mapped.tokens.findIndex((t) => t.text === piece);
    assert.deepEqual(texts(mapped.tokens), ['', '<|im_start|>', 'system\n', 'be', ' brief', '<|im_end|>', '\n', '<|im_start|>', 'user\n', 'hi', ' there', '<|im_end|>', '\n', '<|im_start|>', 'assistant\n']);
    const first = templateNeighbours(mapped, at('be'));
    assert.deepEqual([texts(first.before), texts(first.after)], [['', '<|im_start|>', 'system\n'], []]);
    const lastOfSystem = templateNeighbours(mapped, at(' brief'));
    assert.deepEqual([texts(lastOfSystem.before), texts(lastOfSystem.after)], [[], ['<|im_end|>', '\n', '<|im_start|>', 'user\n']]);
    const firstOfUser = templateNeighbours(mapped, at('hi'));
    assert.deepEqual([texts(firstOfUser.before), texts(firstOfUser.after)], [['<|im_end|>', '\n', '<|im_start|>', 'user\n'], []]);
    const last = templateNeighbours(mapped, at(' there'));
    assert.deepEqual([texts(last.before), texts(last.after)], [[], ['<|im_end|>', '\n', '<|im_start|>', 'assistant\n']]);
    assert.deepEqual(templateNeighbours(mapped, at('<|im_end|>')), { before: [], after: [] }, 'a template token has no neighbours of its own');
    assert.deepEqual(templateNeighbours(mapped, 99), { before: [], after: [] });
  });

  it('a token spanning template text and content is content, mapped to its content part', () => {
    const text = '[{"role": "user", "content": "a\\nb"}, {"role": "user", "content": "c"}]';
    const doc = parseChatDocument(text, 'x.chat.json');
    assert.ok(doc !== null);
    const rendered = render(doc, 'plain', () => 0);
    assert.equal(rendered.text, 'a\nb\n\nc');
    const mapped = toSourceAnalysis(text, doc, analysisOf(rendered, [{ start: 0, end: 0 }, { start: 0, end: 2 }, { start: 2, end: 4 }, { start: 4, end: 5 }, { start: 5, end: 6 }]));
    assert.deepEqual(mapped.tokens.map((t) => [text.slice(t.start, t.end), t.template === true]), [
      ['', true], ['a\\n', false], ['b', false], ['', true], ['c', false],
    ]);
    assert.equal(mapped.tokens[3].start, text.indexOf('"c"') + 1);
  });
});
