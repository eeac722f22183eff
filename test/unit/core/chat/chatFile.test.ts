/** Chat files: both forms, every content unit's place in the file, detection, diagnostics. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { contentSourceRange, detectChatForm, isChatFileName, parseChatDocument } from '../../../../src/core/chat/chatFile';
import type { ChatDocument } from '../../../../src/core/chat/chatTypes';
import { plainValue, readJson } from '../../../../src/core/chat/jsonWithOffsets';
import { mulberry32 } from '../../../../src/core/seededRandom';
import { REPO_ROOT } from '../../../support/fixtures';

function parse(text: string, name: string): ChatDocument {
  const doc = parseChatDocument(text, name);
  assert.ok(doc !== null, `${name} is not a chat file`);
  return doc;
}

const errors = (doc: ChatDocument) => doc.diagnostics.filter((d) => d.severity === 'error');
const roles = (doc: ChatDocument) => doc.messages.map((m) => m.role);
const contents = (doc: ChatDocument) => doc.messages.map((m) => m.content);

/** The one-unit source of content unit a, decoded as the form reads it: a JSON string piece, or text with its line break read as "\n". */
function decodeJsonPiece(piece: string): string {
  return JSON.parse(`"${piece}"`) as string;
}
const decodeTextPiece = (piece: string) => piece.replace(/\r\n|\r/g, '\n');

/** Every unit of every message decodes, from exactly its own source range, to itself; ranges are back to back within a run. */
function assertExactOffsets(text: string, doc: ChatDocument, decode: (piece: string) => string): void {
  for (const m of doc.messages) {
    assert.equal(m.sourceOffsets.length, m.content.length + 1, 'one offset per unit, plus the end');
    for (let a = 0; a < m.content.length; a++) {
      const r = contentSourceRange(m, a, a + 1);
      assert.ok(r.start < r.end, `unit ${a} has a source`);
      assert.equal(decode(text.slice(r.start, r.end)), m.content[a], `unit ${a} of ${JSON.stringify(m.content)} from ${JSON.stringify(text.slice(r.start, r.end))}`);
    }
    assert.ok(m.start <= m.roleStart && m.roleEnd <= m.end && m.sourceOffsets[0] >= m.start && m.sourceOffsets[m.content.length] <= m.end);
  }
}

describe('chat files: JSON form', () => {
  it('reads an array of messages, and every escape maps back to its characters', () => {
    const text = '[\r\n {"role": "system", "content": "Be brief.\\nSay \\"hi\\" \\\\ \\/ \\b\\f\\r\\t"},\r\n'
      + ' {"role": "user", "content": "caf\\u00e9 café \\ud83d\\ude00 😀 \\u00E9t\\u00e9", "name": "ann"},\r\n'
      + ' {"role": "assistant", "content": "ok", "target": true}\r\n]';
    const doc = parse(text, 'a.chat.json');
    assert.deepEqual(errors(doc), []);
    assert.equal(doc.form, 'json');
    assert.deepEqual(roles(doc), ['system', 'user', 'assistant']);
    assert.deepEqual(contents(doc), ['Be brief.\nSay "hi" \\ / \b\f\r\t', 'café café 😀 😀 été', 'ok']);
    assert.deepEqual(doc.messages.map((m) => m.isTarget), [false, false, true]);
    assert.equal(doc.target, 'ok');
    assert.deepEqual(doc.fields, {});
    assert.equal(doc.bodyStart, 0);
    assertExactOffsets(text, doc, decodeJsonPiece);
    // A surrogate pair written as two escapes is two units, six characters each.
    const m = doc.messages[1];
    const high = m.content.indexOf('\ud83d');
    assert.equal(text.slice(m.sourceOffsets[high], m.sourceOffsets[high + 2]), '\\ud83d\\ude00');
    // The message spans its object; the role span is the role's string.
    assert.equal(text.slice(m.start, m.end).startsWith('{"role": "user"'), true);
    assert.equal(text.slice(m.roleStart, m.roleEnd), '"user"');
    assert.ok(text.slice(m.start, m.end).endsWith('"ann"}'));
  });

  it('reads an object with messages: the other fields decoded, with the place of each value; "target" is the expected reply', () => {
    const text = '\ufeff{"candidates": {"pos": " positive", "neg": " negative"}, "messages": [{"role": "user", "content": "Great film!"}],'
      + ' "target": " positive", "alpha": 0.8, "__proto__": [1, null, true]}';
    const doc = parse(text, 'b.chat.json');
    assert.deepEqual(errors(doc), []);
    assert.equal(doc.target, ' positive');
    assert.deepEqual(Object.keys(doc.fields), ['candidates', 'target', 'alpha', '__proto__']);
    for (const [key, f] of Object.entries(doc.fields)) {
      assert.deepEqual(f.value, JSON.parse(text.slice(f.offset, f.offset + f.length)), key);
    }
    assert.deepEqual(doc.fields.candidates.value, { pos: ' positive', neg: ' negative' });
    assert.equal(doc.fields.alpha.value, 0.8);
    assert.deepEqual(doc.fields['__proto__'].value, [1, null, true]);
    assert.equal(Object.getPrototypeOf(doc.fields), Object.prototype, 'a "__proto__" key is a field, not a prototype');
    assert.deepEqual(contents(doc), ['Great film!']);
  });

  it('a top-level "target" wins over the marked message; without either the target is null', () => {
    const both = parse('{"target": "A", "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "B", "target": true}]}', 'x.chat.json');
    assert.equal(both.target, 'A');
    assert.equal(both.messages[1].isTarget, true);
    assert.equal(parse('[{"role": "user", "content": "q"}, {"role": "assistant", "content": "B"}]', 'x.chat.json').target, null);
    assert.equal(parse('[{"role": "user", "content": "q"}, {"role": "assistant", "content": "B", "target": false}]', 'x.chat.json').target, null);
  });

  it('joins an OpenAI content array of text parts, each unit still mapped exactly', () => {
    const text = '[{"role": "user", "content": [{"type": "text", "text": "ab\\n"}, {"type": "text", "text": ""}, {"text": "\\u00e9d", "type": "text"}]}]';
    const doc = parse(text, 'c.chat.json');
    assert.deepEqual(errors(doc), []);
    assert.equal(doc.messages[0].content, 'ab\néd');
    assertExactOffsets(text, doc, decodeJsonPiece);
    const m = doc.messages[0];
    // The range of the whole content runs from its first to its last character, across the parts.
    const all = contentSourceRange(m, 0, m.content.length);
    assert.equal(text.slice(all.start, all.end), 'ab\\n"}, {"type": "text", "text": ""}, {"text": "\\u00e9d');
    // The last unit of the first part ends at that part's closing quote, not at the next part.
    assert.equal(text.slice(contentSourceRange(m, 0, 3).start, contentSourceRange(m, 0, 3).end), 'ab\\n');
    const single = parse('[{"role": "user", "content": [{"type": "text", "text": "x\\ty"}]}]', 'c.chat.json').messages[0];
    assert.equal(single.content, 'x\ty');
    assert.equal(single.sourceEnds, undefined);
  });

  it('reads "developer" as system, with a warning', () => {
    const doc = parse('[{"role": "developer", "content": "rules"}, {"role": "User", "content": "hi"}]', 'd.chat.json');
    assert.deepEqual(roles(doc), ['system', 'user']);
    assert.deepEqual(errors(doc), []);
    assert.equal(doc.diagnostics.length, 1);
    assert.match(doc.diagnostics[0].message, /"developer" is read as "system"/);
    assert.equal(doc.diagnostics[0].severity, 'warning');
  });

  describe('diagnostics: one clear line at the right place, never a throw', () => {
    const cases: Array<[string, string, RegExp, string]> = [
      ['a missing comma', '[{"role": "user",\n  "content": "hi" "x": 1}]', /^Invalid JSON at line 2, column 19: expected ',' or '}'\.$/, '"x"'],
      ['a missing bracket', '[{"role": "user", "content": "hi"}', /^Invalid JSON at line 1, column 35: unexpected end of the text: expected ',' or ']'\.$/, ''],
      ['a bad escape', '[{"role": "user", "content": "a\\qb"}]', /invalid escape "\\q"/, '\\q'],
      ['a raw line break in a string', '[{"role": "user", "content": "a\nb"}]', /control character \(U\+000A\).*\\n/, '\n'],
      ['a trailing comma', '[{"role": "user", "content": "a"},]', /expected a value/, ']'],
      ['an unknown role', '[{"role": "tool", "content": "a"}]', /^Unknown role "tool": a message's role is system, user or assistant\.$/, '"tool"'],
      ['a missing role', '[{"content": "a"}]', /no "role"/, '{'],
      ['a missing content', '[{"role": "user"}]', /no "content"/, '{'],
      ['a null content', '[{"role": "assistant", "content": null}]', /"content" must be a string/, 'null'],
      ['an image part', '[{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]', /Only text parts.*"image_url" part/, '{"type": "image_url", "image_url": {"url": "x"}}'],
      ['an empty conversation', '[]', /^The conversation has no messages\.$/, '[]'],
      ['an empty messages array', '{"messages": []}', /^The conversation has no messages\.$/, '[]'],
      ['no messages field', '{"prompt": "hi"}', /array of messages or an object with a "messages" array/, '{'],
      ['a top-level string', '"hi"', /array of messages or an object with a "messages" array/, '"hi"'],
      ['messages not an array', '{"messages": {"role": "user"}}', /"messages" must be an array/, '{"role": "user"}'],
      ['a message not an object', '[{"role": "user", "content": "a"}, "b"]', /A message must be an object/, '"b"'],
      ['a target before the last message', '[{"role": "assistant", "content": "a", "target": true}, {"role": "user", "content": "b"}]', /Only the last message can be the target/, '"target": true'],
      ['a user target', '[{"role": "user", "content": "a", "target": true}]', /Only an assistant message can be the target/, '"target": true'],
      ['a non-boolean message target', '[{"role": "assistant", "content": "a", "target": "yes"}]', /"target" must be true or false/, '"yes"'],
      ['a non-string top-level target', '{"messages": [{"role": "user", "content": "a"}], "target": 3}', /"target" must be a string/, '3'],
      ['deep nesting', '['.repeat(100_000), /nested deeper than 512 levels/, '['],
    ];
    for (const [what, text, message, at] of cases) {
      it(what, () => {
        const doc = parse(text, 'bad.chat.json');
        const errs = errors(doc);
        assert.equal(errs.length, 1, JSON.stringify(doc.diagnostics));
        assert.match(errs[0].message, message);
        assert.ok(!errs[0].message.includes('\n'), 'one line');
        // A syntax error marks the character where the text stops being JSON; the others mark the whole value.
        if (errs[0].message.startsWith('Invalid JSON')) assert.ok(text.startsWith(at, errs[0].offset) && errs[0].length === (at === '' ? 0 : 1), JSON.stringify(errs[0]));
        else assert.equal(text.slice(errs[0].offset, errs[0].offset + errs[0].length), at);
      });
    }
    it('keeps the good messages next to a bad one', () => {
      const doc = parse('[{"role": "system", "content": "s"}, {"role": "tool", "content": "t"}, {"role": "user", "content": "u"}]', 'x.chat.json');
      assert.deepEqual(contents(doc), ['s', 'u']);
      assert.equal(errors(doc).length, 1);
    });
  });

  it('reads JSON exactly as JSON.parse does: random documents, and every one-character deletion of them', () => {
    const random = mulberry32(13);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
    const strings = ['', 'a', 'é', '😀', '"', '\\', '\n', '\u0000', '\u2028', '\ud800', 'x/y', ' \t'];
    const value = (depth: number): unknown => {
      const r = random();
      if (depth > 3 || r < 0.4) return pick<unknown>([0, -1.5e-7, 12345678901234567890, 3.25, true, false, null, pick(strings) + pick(strings)]);
      if (r < 0.7) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, () => [pick(strings), value(depth + 1)]));
    };
    const spaced = (json: string) => json.replace(/[,:[\]{}]/g, (c) => pick(['', ' ', '\r\n', '\t', '\n  ']) + c + pick(['', ' ', '\r\n']));
    const escaped = (json: string) => json.replace(/[é😀/]/g, (c) => (random() < 0.5 ? c : [...c].map((u) => (u === '/' ? '\\/' : [...Array(u.length).keys()].map((i) => `\\u${u.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''))).join('')));
    let valid = 0;
    let invalid = 0;
    for (let n = 0; n < 300; n++) {
      const text = escaped(spaced(JSON.stringify(value(0))));
      const read = readJson(text);
      assert.ok(read.ok, `${text}: ${read.ok ? '' : read.error.message}`);
      assert.deepEqual(plainValue(read.value), JSON.parse(text));
      valid++;
      for (let k = 0; k < 5; k++) {
        const cut = Math.floor(random() * text.length);
        const broken = text.slice(0, cut) + text.slice(cut + 1);
        let expected: unknown;
        try {
          expected = JSON.parse(broken);
        } catch {
          expected = undefined;
        }
        const r = readJson(broken);
        assert.equal(r.ok, expected !== undefined, broken);
        if (r.ok) assert.deepEqual(plainValue(r.value), expected);
        else invalid++;
      }
    }
    assert.ok(valid === 300 && invalid > 300, `${invalid} broken documents refused`);
  });

  it('parses a 1 MB file', () => {
    const message = (i: number) => `{"role": "${i % 2 === 0 ? 'user' : 'assistant'}", "content": "line ${i}\\n caf\\u00e9 \\"q\\" 😀"}`;
    const text = `[${Array.from({ length: 16_000 }, (_, i) => message(i)).join(',\n')}]`;
    assert.ok(text.length > 1_000_000);
    const doc = parse(text, 'big.chat.json');
    assert.equal(doc.messages.length, 16_000);
    assert.deepEqual(errors(doc), []);
    assert.equal(doc.messages[15_999].content, 'line 15999\n café "q" 😀');
  });
});

describe('chat files: text form', () => {
  it('reads sections: content after the header to the next one, trimmed; CRLF read as "\\n" from two characters', () => {
    const text = 'system:\r\n  You are terse.\r\n\r\nBe kind.  \r\n\r\nUSER:   Hi \u00e9 😀\r\nsecond line\r\n'
      + 'Assistant: hello\r\n\r\nuser:\r\n\r\n\r\nassistant (target): 42 \r\n\r\n';
    const doc = parse(text, 'a.chat.txt');
    assert.deepEqual(doc.diagnostics, []);
    assert.equal(doc.form, 'text');
    assert.deepEqual(roles(doc), ['system', 'user', 'assistant', 'user', 'assistant']);
    assert.deepEqual(contents(doc), ['You are terse.\n\nBe kind.', 'Hi é 😀\nsecond line', 'hello', '', '42']);
    assert.deepEqual(doc.messages.map((m) => m.isTarget), [false, false, false, false, true]);
    assert.equal(doc.target, '42');
    assertExactOffsets(text, doc, decodeTextPiece);
    const [system, user] = doc.messages;
    const nl = system.content.indexOf('\n');
    assert.equal(text.slice(system.sourceOffsets[nl], system.sourceOffsets[nl + 1]), '\r\n');
    assert.equal(text.slice(system.sourceOffsets[0], system.sourceOffsets[system.content.length]), 'You are terse.\r\n\r\nBe kind.');
    // A message runs from its header line to the next header line; the role span is the role word.
    assert.equal(text.slice(user.start, user.end), 'USER:   Hi \u00e9 😀\r\nsecond line\r\n');
    assert.equal(text.slice(user.roleStart, user.roleEnd), 'USER');
    assert.equal(doc.messages[4].end, text.length);
    // An empty message sits where its section starts.
    assert.equal(doc.messages[3].sourceOffsets.length, 1);
  });

  it('reads lone CR and LF line breaks the same way', () => {
    for (const nl of ['\n', '\r']) {
      const text = `user:${nl}a${nl}b${nl}assistant:${nl}c`;
      const doc = parse(text, 'x.chat.md');
      assert.deepEqual(contents(doc), ['a\nb', 'c']);
      assertExactOffsets(text, doc, decodeTextPiece);
    }
  });

  it('takes front matter off the body: its target is the expected reply; a Prompty YAML block is skipped', () => {
    const fm = '---\ntarget: " positive"\n---\nuser:\nGreat film!\nassistant (target): ignored';
    const doc = parse(fm, 'x.chat.txt');
    assert.deepEqual(doc.diagnostics, []);
    assert.equal(doc.bodyStart, fm.indexOf('user:'));
    assert.equal(doc.target, ' positive');
    assert.deepEqual(doc.fields, {});
    const prompty = '\ufeff---\nname: Demo\nmodel:\n  api: chat\n---\nsystem:\nYou help.\n\nuser:\n{{question}}\n';
    const p = parse(prompty, 'demo.prompty');
    assert.deepEqual(p.diagnostics, []);
    assert.equal(p.bodyStart, prompty.indexOf('system:'));
    assert.deepEqual(contents(p), ['You help.', '{{question}}']);
    assert.equal(p.target, null);
  });

  it('gives front-matter problems as warnings at their line', () => {
    const text = '---\ntarget: x\nalpha: 7\n---\nuser: hi';
    const doc = parse(text, 'x.chat.txt');
    assert.deepEqual(errors(doc), []);
    assert.equal(doc.diagnostics.length, 1);
    assert.equal(text.slice(doc.diagnostics[0].offset, doc.diagnostics[0].offset + doc.diagnostics[0].length), 'alpha: 7');
    assert.match(doc.diagnostics[0].message, /^Front matter: "alpha" must be/);
  });

  it('a role word later in a line, or indented, is content', () => {
    const doc = parse('user: say user: hi\n  assistant: indented\nnot user:', 'x.chat.txt');
    assert.deepEqual(contents(doc), ['say user: hi\n  assistant: indented\nnot user:']);
  });

  describe('diagnostics', () => {
    const cases: Array<[string, string, RegExp, string]> = [
      ['an empty file', '', /^The conversation has no messages: start each message with a line "system:", "user:" or "assistant:"\.$/, ''],
      ['a blank body', '---\ntarget: x\n---\n\n  \n', /^The conversation has no messages/, ''],
      ['plain text', 'Just a prompt.\nuser input', /^The conversation has no messages/, 'Just a prompt.'],
      ['text before the first message', 'Hello\nuser: hi', /^Text before the first message/, 'Hello'],
      ['an unknown role', 'tool: x\nuser: hi', /^Unknown role "tool": a message's role is system, user or assistant\.$/, 'tool'],
      ['a target before the last message', 'user: a\nassistant (target): b\nuser: c', /Only the last message can be the target/, ' (target):'],
      ['a user target', 'user (target): a', /Only an assistant message can be the target/, ' (target):'],
      ['an unknown mark', 'assistant (expected): a', /Unknown mark "\(expected\)"/, ' (expected):'],
    ];
    for (const [what, text, message, at] of cases) {
      it(what, () => {
        const doc = parse(text, 'bad.chat.txt');
        const errs = errors(doc);
        assert.equal(errs.length, 1, JSON.stringify(doc.diagnostics));
        assert.match(errs[0].message, message);
        assert.equal(text.slice(errs[0].offset, errs[0].offset + errs[0].length), at);
      });
    }
    it('reads a "developer:" header as system, with a warning', () => {
      const doc = parse('developer: rules\nuser: hi', 'x.chat.txt');
      assert.deepEqual(roles(doc), ['system', 'user']);
      assert.deepEqual(doc.diagnostics.map((d) => [d.severity, d.offset, d.length]), [['warning', 0, 9]]);
    });
  });

  it('parses a 1 MB file', () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `${i % 2 === 0 ? 'user' : 'assistant'}:\r\nline ${i} café 😀\r\nmore text here, and more\r\n`).join('\r\n');
    assert.ok(text.length > 1_000_000);
    const doc = parse(text, 'big.chat.txt');
    assert.equal(doc.messages.length, 20_000);
    assert.deepEqual(doc.diagnostics, []);
    assert.equal(doc.messages[19_999].content, 'line 19999 café 😀\nmore text here, and more');
  });
});

describe('chat files: detection', () => {
  it('knows chat files by name', () => {
    for (const name of ['a.chat.json', '/x/y/B.CHAT.JSON', 'c.chat.txt', 'd.chat.md', 'e.prompty', 'C:\\p\\f.Prompty']) assert.ok(isChatFileName(name), name);
    for (const name of ['a.json', 'chat.json', 'a.chat', 'a.txt', 'a.icl.txt', 'a.prompt', 'a.prompty.txt', 'a.chat.json.bak']) assert.ok(!isChatFileName(name), name);
    assert.equal(detectChatForm('anything', 'a.chat.json'), 'json');
    assert.equal(detectChatForm('[{"role": "user", "content": "hi"}]', 'a.chat.md'), 'text', 'the name decides');
    assert.equal(detectChatForm('', 'p.prompty'), 'text');
  });

  it('knows chat files by content', () => {
    const positive: Array<[string, string]> = [
      ['[{"role": "user", "content": "hi"}]', 'json'],
      ['\ufeff \r\n[{"content": "hi", "role": "system", "name": "x"}, {"role": "tool", "content": null}]', 'json'],
      ['{"model": "gpt", "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]}', 'json'],
      ['{"messages": []}', 'json'],
      ['system:\nYou help.\nuser: hi', 'text'],
      ['\n\n  \nUser:\nhi', 'text'],
      ['assistant (target):  \r\nhi', 'text'],
      ['---\ntarget: x\n---\nuser:\nhi', 'text'],
      ['---\nname: prompty\n---\n\nsystem:\nhi', 'text'],
    ];
    for (const [text, form] of positive) assert.equal(detectChatForm(text, 'untitled'), form, text);
    assert.equal(detectChatForm('user:\nhi'), 'text', 'no name');
    const negative = [
      '', 'plain text', '[]', '[1, 2]', '{"role": "user", "content": "hi"}', '[{"role": "user"}]', '[{"role": 1, "content": "x"}]',
      '{"messages": {"role": "user", "content": "x"}}', '{"messages": [1]}', '{"name": "x"}', '[{"role": "user", "content": "hi"}',
      'User: hi\nAssistant: hello\nUser: bye\nAssistant: goodbye\nUser: thanks\nAssistant:',
      'Input: good film\nOutput: positive\n\nInput: dull\nOutput:',
      'Classify.\nuser:\nhi', ' user:\nhi', 'users:\nhi', '---\nuser:\n---\nQ: x',
    ];
    for (const text of negative) assert.equal(detectChatForm(text, 'untitled.txt'), null, text);
    assert.equal(parseChatDocument('plain text', 'a.txt'), null);
  });

  it('takes none of the demo prompts for a chat', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(path.join(REPO_ROOT, 'demo'));
    assert.ok(files.length >= 8, `${files.length} demo files`);
    for (const file of files) {
      assert.equal(detectChatForm(fs.readFileSync(file, 'utf8'), file), null, file);
      assert.equal(parseChatDocument(fs.readFileSync(file, 'utf8'), file), null, file);
    }
  });
});
