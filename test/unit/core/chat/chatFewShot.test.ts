/**
 * The few-shot reading of chat files (both forms, through the real chat
 * parser): structure, document offsets of every example and the query,
 * options from fields and front matter, diagnostics, and the conversations
 * prefix_k and every probe variant send.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chatFewShot, parseDocumentFewShot } from '../../../../src/core/chat/chatFewShot';
import { parseChatDocument } from '../../../../src/core/chat/chatFile';
import type { ChatContext, ChatTurn } from '../../../../src/core/chat/chatTypes';
import type { ScoreBatch, ScoreBatchResult } from '../../../../src/core/fewShot/continuationScorer';
import { parseFewShot } from '../../../../src/core/fewShot/fewShotParser';
import type { FewShotStructure, ParseResult } from '../../../../src/core/fewShot/fewShotStructure';
import { parseFrontMatter } from '../../../../src/core/fewShot/frontMatter';
import { DEFAULT_PROBE_OPTIONS, runProbe, whyShufflingCannotChange } from '../../../../src/core/fewShot/probes';
import { contextFor, contextK, exampleOutputAt, prequentialContext } from '../../../../src/core/fewShot/promptText';
import { longestPrompt, runSweep } from '../../../../src/core/fewShot/sweep';

const SYSTEM = 'Answer with the sentiment: positive or negative.';
const PAIRS: Array<[string, string]> = [
  ['The film was "great"\nloved it', 'positive'],
  ['Boring, café food was cold 😴', 'negative'],
  ['Loved every minute', 'positive'],
];
const QUERY = 'Dull and \u00e9tonnamment long';

/** A JSON chat written with escapes JSON.stringify does not use (\u00e9, \/), so content and file differ. */
function jsonChat(extra: Record<string, unknown> = {}, finalReply?: { content: string; target: boolean }): string {
  const message = (role: string, content: string, more = '') => `    {"role": "${role}", "content": ${JSON.stringify(content).replace(/é/g, '\\u00e9').replace(/\//g, '\\/')}${more}}`;
  const messages = [
    message('system', SYSTEM),
    ...PAIRS.flatMap(([u, a]) => [message('user', u), message('assistant', a)]),
    message('user', QUERY),
    ...(finalReply ? [message('assistant', finalReply.content, finalReply.target ? ', "target": true' : '')] : []),
  ];
  const fields = Object.entries(extra).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},\n`).join('');
  return `{\n${fields}  "messages": [\n${messages.join(',\n')}\n  ]\n}\n`;
}

function parsed(text: string, fileName = 'labels.chat.json'): ParseResult {
  const doc = parseChatDocument(text, fileName);
  assert.ok(doc, 'a chat document');
  assert.deepEqual(doc.diagnostics.filter((d) => d.severity === 'error'), [], 'the chat parses');
  return chatFewShot(text, doc);
}

function structure(text: string, fileName?: string): FewShotStructure {
  const r = parsed(text, fileName);
  assert.ok(r.structure, `a structure: ${JSON.stringify(r.diagnostics)}`);
  return r.structure;
}

/** The JSON string literal that ends just before `end` and starts just before `start`, decoded. */
function jsonStringAt(text: string, start: number, end: number): string {
  assert.equal(text[start - 1], '"', `a string starts before ${start}`);
  assert.equal(text[end], '"', `the string ends at ${end}`);
  return JSON.parse(text.slice(start - 1, end + 1)) as string;
}

const user = (content: string): ChatTurn => ({ role: 'user', content });
const assistant = (content: string): ChatTurn => ({ role: 'assistant', content });
const system: ChatTurn = { role: 'system', content: SYSTEM };

describe('chat few-shot structure (JSON form)', () => {
  const text = jsonChat({ candidates: { positive: 'positive', negative: 'negative' }, target: 'negative' });
  const s = structure(text);

  it('reads the system message, the pairs before the final user message and the query', () => {
    assert.equal(s.shape, 'chat');
    assert.equal(s.examples.length, 3);
    assert.deepEqual(s.chat?.system, [system]);
    assert.deepEqual(s.chat?.pairs, PAIRS.map(([u, a]) => ({ user: u, assistant: a })));
    assert.equal(s.chat?.query, QUERY);
    assert.equal(s.target, 'negative');
    assert.equal(s.targetSource, 'front matter');
    assert.deepEqual(s.candidates, [{ name: 'positive', text: 'positive' }, { name: 'negative', text: 'negative' }]);
    assert.equal(s.candidatesSource, 'front matter');
  });

  it('places every example and the query on the messages in the file, escapes included', () => {
    s.examples.forEach((e, i) => {
      // An example runs from its user message's object to its assistant message's.
      assert.equal(text[e.start], '{');
      assert.equal(text[e.end - 1], '}');
      assert.match(text.slice(e.start, e.end), /^\{"role": "user".*"role": "assistant".*\}$/s);
      assert.equal(jsonStringAt(text, e.inputStart, e.inputEnd), PAIRS[i][0]);
      assert.equal(jsonStringAt(text, e.outputStart, e.outputEnd), PAIRS[i][1]);
      assert.ok(e.start < e.inputStart && e.inputEnd < e.outputStart && e.outputEnd < e.end);
    });
    // The escapes really are in the file: the content ranges are longer than the contents.
    assert.ok(text.slice(s.examples[0].inputStart, s.examples[0].inputEnd).includes('\\"'));
    assert.ok(text.slice(s.query.inputStart, s.query.inputEnd).includes('\\u00e9'));
    assert.equal(jsonStringAt(text, s.query.inputStart, s.query.inputEnd), QUERY);
    assert.equal(text[s.query.start], '{');
    assert.equal(text[s.query.end - 1], '}');
    assert.equal(s.query.outputStart, s.query.end, 'no written answer: the answer slot is the query message\'s end');
    assert.equal(s.query.appendNewline, false);
    // The header is the system message.
    assert.match(text.slice(s.header.start, s.header.end), /^\{"role": "system", "content": "[^"]*"\}$/);
  });

  it('builds prefix_k as the system message, the first k pairs and the query', () => {
    for (let k = 0; k <= 3; k++) {
      assert.deepEqual(contextK(text, s, k), { turns: [system, ...PAIRS.slice(0, k).flatMap(([u, a]) => [user(u), assistant(a)]), user(QUERY)] });
    }
  });

  it('builds every probe variant as a conversation: left out, reordered, relabelled, content-free', () => {
    const pair = (i: number, a = PAIRS[i][1]) => [user(PAIRS[i][0]), assistant(a)];
    assert.deepEqual(contextFor(text, s, { examples: [0, 2] }), { turns: [system, ...pair(0), ...pair(2), user(QUERY)] });
    assert.deepEqual(contextFor(text, s, { examples: [2, 0, 1] }), { turns: [system, ...pair(2), ...pair(0), ...pair(1), user(QUERY)] });
    assert.deepEqual(contextFor(text, s, { examples: [0, 1, 2], outputs: new Map([[0, 'negative'], [1, 'positive']]) }), { turns: [system, ...pair(0, 'negative'), ...pair(1, 'positive'), ...pair(2), user(QUERY)] });
    assert.deepEqual(contextFor(text, s, { examples: [0, 1, 2], queryInput: 'N/A' }), { turns: [system, ...pair(0), ...pair(1), ...pair(2), user('N/A')] });
    assert.deepEqual(prequentialContext(text, s, 2), { context: { turns: [system, ...pair(0), user(PAIRS[1][0])] }, continuation: 'negative' });
    assert.deepEqual(prequentialContext(text, s, 1), { context: { turns: [system, user(PAIRS[0][0])] }, continuation: 'positive' });
    assert.deepEqual(longestPrompt(text, s), { turns: [system, ...pair(0), ...pair(1), ...pair(2), user(QUERY)], reply: 'negative' });
    assert.deepEqual(PAIRS.map((_, i) => exampleOutputAt(text, s, i)), ['positive', 'negative', 'positive']);
    assert.equal(whyShufflingCannotChange(text, s), null);
  });

  it('takes the expected reply from a final assistant message marked as the target', () => {
    const marked = jsonChat({}, { content: 'negative', target: true });
    const m = structure(marked);
    assert.equal(m.examples.length, 3);
    assert.equal(m.target, 'negative');
    assert.equal(m.targetSource, 'document');
    assert.equal(jsonStringAt(marked, m.query.outputStart, m.query.outputEnd), 'negative');
    assert.equal(marked[m.query.end - 1], '}');
    assert.ok(m.query.end > m.query.outputEnd);
    // The query's context is the same: the reply is what is scored, not sent.
    assert.deepEqual(contextK(marked, m, 3), contextK(text, s, 3));
    // Without declared candidates, the example labels are the candidates, as in text prompts.
    assert.deepEqual(m.candidates, [{ name: 'positive', text: 'positive' }, { name: 'negative', text: 'negative' }]);
    assert.equal(m.candidatesSource, 'example labels');
  });

  it('reads the other options from the fields as front matter reads them', () => {
    const o = structure(jsonChat({ candidates: ['positive', 'negative'], formatClass: '^\\s*[a-z]', contentFree: '[empty]', lengthNormalize: true, reference: 'labels', alpha: 0.9 }));
    assert.deepEqual(o.candidates.map((c) => c.name), ['positive', 'negative']);
    assert.equal(o.formatClass, '^\\s*[a-z]');
    assert.equal(o.contentFree, '[empty]');
    assert.equal(o.lengthNormalize, true);
    assert.deepEqual(o.reference, { task: 'labels', alpha: 0.9 });
    // The settings' defaults apply where the file declares nothing.
    const d = chatFewShot(text, parseChatDocument(text, 'x.chat.json')!, { contentFree: 'nothing', lengthNormalize: true, formatClass: '^x' }).structure!;
    assert.deepEqual([d.contentFree, d.lengthNormalize, d.formatClass], ['nothing', true, '^x']);
  });

  it('says what is wrong with few-shot fields, where they are', () => {
    const bad = jsonChat({ alpha: 2, candidates: { only: 'positive' }, formatClass: '(a+)+$', input: 'Q:', lengthNormalize: 'yes' });
    const r = parsed(bad);
    const at = (needle: string) => bad.indexOf(needle);
    const messages = r.diagnostics.map((d) => `${d.severity} ${bad.slice(d.offset, d.offset + d.length)}: ${d.message}`);
    assert.ok(messages.includes(`error 2: "alpha" must be a number between 0.5 and 1 (exclusive).`), messages.join('\n'));
    assert.ok(messages.some((m) => m.startsWith('error {"only":"positive"}: Give at least two candidates')), messages.join('\n'));
    assert.ok(messages.some((m) => m.startsWith('error "(a+)+$": "formatClass":')), messages.join('\n'));
    assert.ok(messages.includes('error "yes": "lengthNormalize" must be true or false.'), messages.join('\n'));
    assert.ok(messages.some((m) => m.startsWith('warning "Q:": "input" is for text prompts')), messages.join('\n'));
    assert.ok(at('"yes"') > 0);
    assert.equal(r.fewShotDeclared, true);
    // A reference that needs two candidates says so, as in text prompts.
    const ref = parsed(jsonChat({ reference: 'coin', candidates: ['a', 'b', 'c'] }));
    assert.ok(ref.diagnostics.some((d) => d.message === 'The coin reference needs exactly two candidates (found 3).'));
  });
});

describe('chat few-shot structure (text form)', () => {
  const text = [
    '---',
    'candidates:',
    '  yes: "yes"',
    '  no: "no"',
    'target: "no"',
    '---',
    'system:',
    'Reply yes or no.',
    '',
    'user:',
    'Is snow cold?',
    '',
    'assistant:',
    'yes',
    '',
    'user:',
    'Is fire cold?',
    '',
    'assistant (target):',
    'no',
    '',
  ].join('\r\n');

  it('reads front matter and the marked reply, with spans on the sections', () => {
    const s = structure(text, 'q.chat.txt');
    assert.equal(s.examples.length, 1);
    assert.deepEqual(s.chat?.system, [{ role: 'system', content: 'Reply yes or no.' }]);
    assert.deepEqual(s.chat?.pairs, [{ user: 'Is snow cold?', assistant: 'yes' }]);
    assert.equal(s.chat?.query, 'Is fire cold?');
    assert.equal(s.target, 'no');
    assert.equal(s.targetSource, 'front matter');
    assert.deepEqual(s.candidates.map((c) => c.text), ['yes', 'no']);
    const e = s.examples[0];
    assert.equal(text.slice(e.start, e.start + 5), 'user:');
    assert.equal(text.slice(e.inputStart, e.inputEnd), 'Is snow cold?');
    assert.equal(text.slice(e.outputStart, e.outputEnd), 'yes');
    assert.ok(text.slice(e.outputEnd, e.end).trim() === '');
    assert.equal(text.slice(s.query.inputStart, s.query.inputEnd), 'Is fire cold?');
    assert.equal(text.slice(s.query.outputStart, s.query.outputEnd), 'no');
    assert.equal(s.query.end, text.length);
    assert.equal(text.slice(s.header.start, s.header.start + 7), 'system:');
  });

  it('leaves other tools\' front matter alone (Prompty)', () => {
    const prompty = ['---', 'name: Sentiment', 'model:', '  api: chat', '  parameters:', '    max_tokens: 3', 'candidates:', '  good: "good"', '  bad: "bad"', '---', 'user:', 'nice', 'assistant:', 'good', 'user:', 'awful', ''].join('\n');
    const r = parsed(prompty, 'sentiment.prompty');
    assert.deepEqual(r.frontMatterDiagnostics, []);
    assert.deepEqual(r.structure?.candidates.map((c) => c.name), ['good', 'bad']);
    assert.equal(r.structure?.chat?.query, 'awful');
    // The same block read as a text prompt's front matter names the keys it does not know.
    assert.ok(parseFrontMatter(prompty).diagnostics.some((d) => d.message.startsWith('Unknown key "name"')));
    assert.deepEqual(parseFrontMatter(prompty, { foreignKeys: true }).frontMatter, { candidates: [{ name: 'good', text: 'good' }, { name: 'bad', text: 'bad' }] });
  });
});

describe('chats that are not few-shot', () => {
  const chat = (...turns: Array<[string, string]>) => turns.map(([role, content]) => `${role}:\n${content}\n`).join('\n');
  const warnings = (text: string) => {
    const r = parsed(text, 'c.chat.txt');
    return { r, lines: r.diagnostics.map((d) => `${text.slice(d.offset, d.offset + d.length)}: ${d.message}`) };
  };

  it('has no query when the chat ends with an unmarked reply or a system message', () => {
    const { r, lines } = warnings(chat(['user', 'a'], ['assistant', 'b']));
    assert.equal(r.structure, null);
    assert.deepEqual(lines, ['assistant: The chat ends with an assistant message, so it has no query: end it with the user message the model should answer, or mark this reply as the expected one ("assistant (target):").']);
    assert.equal(r.fewShotDeclared, false);
    const json = parsed('[{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]');
    assert.match(json.diagnostics[0].message, /\("target": true\)/);
    assert.equal(warnings(chat(['user', 'a'], ['system', 'b'])).r.structure, null);
    assert.equal(warnings(chat(['system', 'only'])).r.structure, null);
  });

  it('leaves unpaired turns out of the examples and says which', () => {
    const text = chat(['system', 's'], ['assistant', 'orphan'], ['user', 'u1'], ['user', 'u2'], ['assistant', 'a2'], ['system', 'late'], ['assistant', 'again'], ['user', 'u3'], ['user', 'q']);
    const { r, lines } = warnings(text);
    assert.deepEqual(r.structure?.chat?.pairs, [{ user: 'u2', assistant: 'a2' }]);
    assert.equal(r.structure?.chat?.query, 'q');
    assert.deepEqual(lines, [
      'assistant: This assistant message answers no user message; it is left out of the examples.',
      'user: This user message has no assistant reply before the next user message; it is left out of the examples.',
      'system: A system message after the conversation has started is left out of the few-shot contexts: they keep the system messages at the start. Move it there.',
      'assistant: This assistant message answers no user message; it is left out of the examples.',
      'user: This user message has no assistant reply before the query; it is left out of the examples.',
    ]);
    // Each warning sits on its message's role word.
    const offsets = r.diagnostics.map((d) => d.offset);
    assert.deepEqual(offsets, [text.indexOf('assistant:\norphan'), text.indexOf('user:\nu1'), text.indexOf('system:\nlate'), text.indexOf('assistant:\nagain'), text.indexOf('user:\nu3')]);
  });

  it('has no structure and the parser\'s errors when the chat file is broken', () => {
    const text = '{"messages": [{"role": "user", "content": "a"},';
    const doc = parseChatDocument(text, 'broken.chat.json')!;
    assert.ok(doc.diagnostics.some((d) => d.severity === 'error'));
    const r = chatFewShot(text, doc);
    assert.equal(r.structure, null);
    assert.ok(r.diagnostics.length > 0 && r.diagnostics.every((d) => d.severity === 'error'));
    assert.deepEqual(r.diagnostics.map((d) => d.message), doc.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message));
  });

  it('a chat with no pairs is a query without examples', () => {
    const s = structure(chat(['system', 's'], ['user', 'q']), 'c.chat.txt');
    assert.equal(s.examples.length, 0);
    assert.deepEqual(contextK('', s, 0), { turns: [{ role: 'system', content: 's' }, user('q')] });
  });
});

describe('parseDocumentFewShot', () => {
  it('reads a text prompt exactly as the text parser does', () => {
    for (const text of ['Q: 2+2?\nA: 4\nQ: 3+3?\nA: 6\nQ: 1+1?\nA:', 'User: hi\nAssistant: hello\nUser: bye\nAssistant: goodbye\nUser: thanks\nAssistant:']) {
      assert.deepEqual(parseDocumentFewShot(text, 'p.prompt'), parseFewShot(text));
      assert.deepEqual(parseDocumentFewShot(text, undefined), parseFewShot(text));
    }
  });
  it('reads a chat file as a chat, by name or by content', () => {
    const text = jsonChat();
    assert.equal(parseDocumentFewShot(text, 'a.chat.json').structure?.shape, 'chat');
    assert.equal(parseDocumentFewShot(text, undefined).structure?.shape, 'chat');
  });
});

describe('sweep and probes on a chat', () => {
  const text = jsonChat({ target: 'negative' });
  const s = structure(text);

  /** A scorer that records each batch and answers with made-up numbers of the right shape. */
  function recorder(batches: ScoreBatch[]) {
    return async (batch: ScoreBatch): Promise<ScoreBatchResult> => {
      batches.push(batch);
      return {
        model: { path: 'm', name: 'm', vocabSize: 10, contextSize: 100, trainContextSize: 100 },
        groups: batch.groups.map((g) => ({
          boundary: 5, contextTokens: 5, entropyBits: g.stats ? 1 : null, classMass: g.stats ? 0.5 : null, classSize: 2, retokenized: 0,
          continuations: g.continuations.map((c) => ({ tokens: [1, 2, 3, 4, 5, 6], lnp: [Math.log(0.25) * c.length / 8], pieces: [c] })),
        })),
        tokensEvaluated: 1, classSize: 0, template: 'the model\'s chat template',
      };
    };
  }
  const pairTurns = (k: number) => PAIRS.slice(0, k).flatMap(([u, a]) => [user(u), assistant(a)]);

  it('sends prefix_k, the prequential contexts and leave-one-out as conversations', async () => {
    const batches: ScoreBatch[] = [];
    const r = await runSweep(text, s, recorder(batches), { leaveOneOut: true });
    assert.equal(r.ks.length, 4);
    assert.equal(r.template, 'the model\'s chat template');
    assert.equal(r.structure.shape, 'chat');
    // One batch per k, then leave-one-out.
    assert.equal(batches.length, 5);
    for (let k = 0; k <= 3; k++) {
      const [answer, preq] = batches[k].groups;
      assert.deepEqual(answer.context, { turns: [system, ...pairTurns(k), user(QUERY)] });
      // The target, then the candidates (the example labels).
      assert.deepEqual(answer.continuations, ['negative', 'positive', 'negative']);
      assert.deepEqual(answer.boundaryAlso, ['positive', 'negative']);
      if (k < 3) {
        assert.deepEqual(preq.context, { turns: [system, ...pairTurns(k), user(PAIRS[k][0])] });
        assert.deepEqual(preq.continuations, [PAIRS[k][1]]);
      } else {
        assert.equal(preq, undefined);
      }
    }
    assert.deepEqual(batches[0].mustFit, [{ turns: [system, ...pairTurns(3), user(QUERY)], reply: 'negative' }]);
    const loo = batches[4].groups.map((g) => g.context as ChatContext);
    assert.deepEqual(loo.map((c) => c.turns.filter((t) => t.role === 'assistant').length), [2, 2, 2]);
    assert.deepEqual(loo[1], { turns: [system, user(PAIRS[0][0]), assistant(PAIRS[0][1]), user(PAIRS[2][0]), assistant(PAIRS[2][1]), user(QUERY)] });
  });

  it('runs order, calibration and random labels on conversations', async () => {
    const batches: ScoreBatch[] = [];
    await runProbe('calibrate', text, s, recorder(batches), DEFAULT_PROBE_OPTIONS);
    assert.deepEqual(batches.map((b) => (b.groups[0].context as ChatContext).turns.at(-1)), [user(QUERY), user('N/A')]);
    batches.length = 0;
    await runProbe('random-labels', text, s, recorder(batches), { ...DEFAULT_PROBE_OPTIONS, shuffles: 2 });
    const labels = batches.map((b) => (b.groups[0].context as ChatContext).turns.filter((t) => t.role === 'assistant').map((t) => t.content));
    assert.deepEqual(labels[0], ['positive', 'negative', 'positive']);
    for (const l of labels) assert.deepEqual([...l].sort(), ['negative', 'positive', 'positive']);
    assert.ok(labels.slice(1).some((l) => l.join() !== labels[0].join()), 'a shuffle changed the labels');
    batches.length = 0;
    await runProbe('order', text, s, recorder(batches), { ...DEFAULT_PROBE_OPTIONS, permutations: 3 });
    const users = batches.map((b) => (b.groups[0].context as ChatContext).turns.filter((t) => t.role === 'user').map((t) => t.content));
    assert.deepEqual(users[0], [...PAIRS.map((p) => p[0]), QUERY]);
    assert.equal(new Set(users.map((u) => u.join('|'))).size, 3);
  });
});
