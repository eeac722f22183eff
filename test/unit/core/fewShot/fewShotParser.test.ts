/** The few-shot parser: every shape, front matter, and hostile input. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFrontMatter } from '../../../../src/core/fewShot/frontMatter';
import { parseFewShot } from '../../../../src/core/fewShot/fewShotParser';
import type { FewShotStructure } from '../../../../src/core/fewShot/fewShotStructure';
import { exampleOutput, prefixK, promptBeforeAnswer, prequentialPair } from '../../../../src/core/fewShot/promptText';

function parse(text: string): FewShotStructure {
  const r = parseFewShot(text);
  assert.ok(r.structure, `no structure: ${JSON.stringify(r.diagnostics)}`);
  return r.structure;
}

const inputs = (text: string, s: FewShotStructure) => s.examples.map((e) => text.slice(e.inputStart, e.inputEnd).trim());
const outputs = (text: string, s: FewShotStructure) => s.examples.map((e) => exampleOutput(text, e));

/** Header, examples and query partition the body: nothing lost, nothing overlapping. */
function assertPartition(text: string, s: FewShotStructure): void {
  let at = s.bodyStart;
  assert.equal(s.header.start, at);
  at = s.header.end;
  for (const e of s.examples) {
    assert.equal(e.start, at, 'examples are contiguous');
    assert.ok(e.start <= e.inputStart && e.inputStart <= e.inputEnd && e.inputEnd <= e.outputStart && e.outputStart <= e.outputEnd && e.outputEnd <= e.end, JSON.stringify(e));
    at = e.end;
  }
  assert.equal(s.query.start, at);
  assert.equal(s.query.end, text.length);
  assert.equal(prefixK(text, s, s.examples.length) + (s.query.appendNewline ? '' : text.slice(s.query.outputStart)), s.query.appendNewline ? prefixK(text, s, s.examples.length) : text.slice(s.bodyStart));
}

describe('few-shot shapes', () => {
  const cases: Array<[string, string, string[], string[], string | null]> = [
    ['Input:/Output:', 'Classify.\n\nInput: good film\nOutput: positive\n\nInput: dull\nOutput: negative\n\nInput: fine\nOutput:', ['good film', 'dull'], [' positive', ' negative'], null],
    ['Q:/A:', 'Q: 2+2?\nA: 4\nQ: 3+3?\nA: 6\nQ: 1+1?\nA: 2', ['2+2?', '3+3?'], [' 4', ' 6'], ' 2'],
    ['Question:/Answer:', 'Question: capital of France?\nAnswer: Paris\n\nQuestion: capital of Peru?\nAnswer: Lima\n\nQuestion: capital of Chad?\nAnswer:', ['capital of France?', 'capital of Peru?'], [' Paris', ' Lima'], null],
    ['User:/Assistant:', 'User: hi\nAssistant: hello\nUser: bye\nAssistant: goodbye\nUser: thanks\nAssistant:', ['hi', 'bye'], [' hello', ' goodbye'], null],
    ['x -> y', 'Translate.\ncat -> Katze\ndog -> Hund\nbird ->', ['cat', 'dog'], [' Katze', ' Hund'], null],
    ['x => y', 'cat => chat\ndog => chien\nmouse => souris\nbird => oiseau', ['cat', 'dog', 'mouse'], [' chat', ' chien', ' souris'], ' oiseau'],
    ['blank-line blocks', 'Translate to French.\n\nsea otter\nloutre de mer\n\ncheese\nfromage\n\npeppermint\n', ['sea otter', 'cheese'], ['loutre de mer', 'fromage'], null],
    ['### blocks', 'big\nlarge\n###\nsmall\nlittle\n###\nfast\n', ['big', 'small'], ['large', 'little'], null],
    ['--- blocks', 'big\nlarge\n---\nsmall\nlittle\n---\nfast\nquick', ['big', 'small'], ['large', 'little'], 'quick'],
    ['alternating labels', 'Review: loved it\nSentiment: positive\nReview: hated it\nSentiment: negative\nReview: meh\nSentiment:', ['loved it', 'hated it'], [' positive', ' negative'], null],
  ];
  for (const [name, text, ins, outs, target] of cases) {
    it(`reads ${name}`, () => {
      const s = parse(text);
      assert.deepEqual(inputs(text, s), ins);
      assert.deepEqual(outputs(text, s), outs);
      assert.equal(s.target, target);
      assertPartition(text, s);
    });
  }

  it('keeps CRLF documents intact and offsets exact', () => {
    const text = 'Q: a\r\nA: 1\r\n\r\nQ: b\r\nA: 2\r\n\r\nQ: c\r\nA:';
    const s = parse(text);
    assert.deepEqual(outputs(text, s), [' 1', ' 2']);
    assert.equal(prefixK(text, s, 1), 'Q: a\r\nA: 1\r\n\r\nQ: c\r\nA:');
    assertPartition(text, s);
  });

  it('treats repeated short outputs as label candidates', () => {
    const text = 'Input: a\nOutput: yes\nInput: b\nOutput: no\nInput: c\nOutput: yes\nInput: d\nOutput:';
    const s = parse(text);
    assert.deepEqual(s.candidates, [{ name: 'yes', text: ' yes' }, { name: 'no', text: ' no' }]);
    assert.equal(s.candidatesSource, 'example labels');
  });

  it('composes the probe prompts from spans', () => {
    const text = 'H\n\nQ: a\nA: 1\n\nQ: b\nA: 2\n\nQ: c\nA:';
    const s = parse(text);
    assert.equal(prefixK(text, s, 0), 'H\n\nQ: c\nA:');
    assert.equal(promptBeforeAnswer(text, s, { examples: [1, 0] }), 'H\n\nQ: b\nA: 2\n\nQ: a\nA: 1\n\nQ: c\nA:');
    assert.equal(promptBeforeAnswer(text, s, { examples: [0, 1], outputs: new Map([[0, ' 2'], [1, ' 1']]) }), 'H\n\nQ: a\nA: 2\n\nQ: b\nA: 1\n\nQ: c\nA:');
    assert.equal(promptBeforeAnswer(text, s, { examples: [0], queryInput: 'N/A' }), 'H\n\nQ: a\nA: 1\n\nQ: N/A\nA:');
    assert.deepEqual(prequentialPair(text, s, 2), { context: 'H\n\nQ: a\nA: 1\n\nQ: b\nA:', continuation: ' 2' });
  });

  it('answers a block query on the line after its input, not after trailing blank lines', () => {
    const text = 'great movie\npositive\n\nawful plot\nnegative\n\nloved it\npositive\n\nboring and slow\n\n';
    const s = parse(text);
    assert.equal(s.query.appendNewline, false);
    assert.equal(prefixK(text, s, 1), 'great movie\npositive\n\nboring and slow\n');
    assert.equal(s.target, null);
    assertPartition(text, s);
  });

  it('adds the newline a one-line block query needs', () => {
    const text = 'big\nlarge\n\nsmall\nlittle\n\nfast';
    const s = parse(text);
    assert.equal(s.query.appendNewline, true);
    assert.equal(prefixK(text, s, 1), 'big\nlarge\n\nfast\n');
  });
});

describe('front matter', () => {
  const doc = [
    '---',
    '# comment',
    'input: "Q:"',
    'output: A:   # bare value, comment dropped',
    'target: "SELECT 1"',
    'candidates:',
    '  sql: "SELECT 1"',
    '  english: " one"',
    'formatClass: "^\\\\s*[A-Z]"',
    'reference: labels',
    'alpha: 0.9',
    'lengthNormalize: true',
    'contentFree: "[blank]"',
    '---',
    'Q: one\nA: 1\nQ: two\nA: 2\nQ: three\nA:',
  ].join('\n');

  it('declares structure and measurements and is never part of the prompt', () => {
    const r = parseFewShot(doc);
    assert.deepEqual(r.frontMatterDiagnostics, []);
    const s = r.structure!;
    assert.equal(s.declared, true);
    assert.deepEqual(s.markers, { input: 'Q:', output: 'A:' });
    assert.equal(s.target, ' SELECT 1', 'a leading space is added like the example outputs have');
    assert.deepEqual(s.candidates.map((c) => [c.name, c.text]), [['sql', ' SELECT 1'], ['english', ' one']]);
    assert.equal(s.formatClass, '^\\s*[A-Z]');
    assert.deepEqual(s.reference, { task: 'labels', alpha: 0.9 });
    assert.equal(s.lengthNormalize, true);
    assert.equal(s.contentFree, '[blank]');
    assert.ok(!prefixK(doc, s, 2).includes('---'));
    assert.ok(prefixK(doc, s, 2).startsWith('Q: one'));
  });

  it('gives each malformed line a diagnostic and keeps the rest', () => {
    const bad = '---\ninput: "Q:\nwhat is this\ncolour: red\nformatClass: "("\nalpha: 2\ncandidates:\n  only: " one"\noutput: A:\n---\nQ: a\nA: 1\nQ: b\nA:';
    const r = parseFrontMatter(bad);
    const lines = r.diagnostics.map((d) => d.line).sort((a, b) => a - b);
    assert.deepEqual(lines, [1, 1, 2, 3, 4, 5]);
    assert.match(r.diagnostics.find((d) => d.message.includes('Unknown key'))!.message, /colour/);
    assert.equal(r.frontMatter.output, 'A:');
    assert.doesNotThrow(() => parseFewShot(bad));
  });

  it('reports an unclosed block at line 1 and leaves the document as the body', () => {
    const r = parseFrontMatter('---\ninput: "Q:"\nQ: a\nA: 1');
    assert.equal(r.bodyStart, 0);
    assert.equal(r.diagnostics[0].line, 0);
  });

  it('does not take a leading --- separator or another tool\'s YAML for front matter', () => {
    for (const text of ['---\nbig\nlarge\n---\nsmall\nlittle\n---\nfast', '---\nQ: 2+2\nA: 4\n---\nQ: 3+3\nA: 6\n---\nQ: 5+5\nA:\n', '---\nmodel: gpt\ntemperature: 0\n---\nQ: a\nA: 1\nQ: b\nA:']) {
      assert.equal(parseFrontMatter(text).bodyStart, 0, text);
      assert.deepEqual(parseFrontMatter(text).diagnostics, []);
    }
    const s = parse('---\nQ: 2+2\nA: 4\n---\nQ: 3+3\nA: 6\n---\nQ: 5+5\nA:\n');
    assert.equal(s.examples.length, 2, 'the first example is kept');
  });

  it('declares output-only examples with a separator and a header (the wind-tunnel language)', () => {
    const text = '---\nheader: "labels:"\nseparator: " "\n---\nlabels: A A B A';
    const s = parse(text);
    assert.equal(text.slice(s.header.start, s.header.end), 'labels: ');
    assert.deepEqual(outputs(text, s), ['A', 'A', 'B']);
    assert.equal(s.target, 'A');
    assert.equal(prefixK(text, s, 2), 'labels: A A ');
    assertPartition(text, s);
  });

  it('reports a declared header the text does not start with', () => {
    const r = parseFewShot('---\nheader: "flips:"\nseparator: " "\n---\nlabels: A B');
    assert.equal(r.structure, null);
    assert.match(r.diagnostics[0].message, /header/);
  });
});

describe('hostile input', () => {
  const hostile: Record<string, string> = {
    empty: '',
    whitespace: ' \n\n\t\n',
    prose: 'Just a paragraph of prose with no examples at all.',
    'only front matter': '---\ntarget: x\n---\n',
    'lone separator': '---',
    'marker without query marker': 'Q: a\nA: 1\nQ: b',
    'binary-ish': '\u0000\u0001\u0002Q:\u0000A:',
    'odd unicode': 'Q: 👩‍👩‍👧 ?\nA: 家族\n\nQ: é\u0301?\nA: ü\n\nQ: \u202eabc\nA:',
    'lone surrogates': 'Q: \ud800\nA: \udc00\nQ: x\nA:',
    'regex metacharacters in separator': '---\nseparator: "(.*)+"\n---\na(.*)+b(.*)+c',
  };
  for (const [name, text] of Object.entries(hostile)) {
    it(`never throws on ${name}`, () => {
      const r = parseFewShot(text);
      if (r.structure) assertPartition(text, r.structure);
      else assert.ok(r.diagnostics.length + r.frontMatterDiagnostics.length > 0, 'a null structure says why');
    });
  }

  it('says what is missing when the query lacks its output marker', () => {
    const r = parseFewShot('Q: a\nA: 1\nQ: b\nA: 2\nQ: c');
    assert.equal(r.structure, null);
    assert.match(r.diagnostics[0].message, /output marker "A:"/);
  });

  it('stays linear on long whitespace runs (it runs on every keystroke)', () => {
    const spaces = ' '.repeat(200_000);
    const started = process.hrtime.bigint();
    parseFewShot(`a\nb${spaces}\n\nc\nd${spaces}\n\ne${spaces}`);
    parseFewShot(`---\ntarget: x${spaces}y\n---\nQ: a\nA: 1\nQ: b\nA:`);
    // A guard against quadratic regexes (200k spaces took over 10 s with /\s+$/), not a speed test.
    assert.ok(Number(process.hrtime.bigint() - started) / 1e9 < 2);
  });

  it('parses 5,000 examples in well under a second', () => {
    const text = Array.from({ length: 5000 }, (_, i) => `Q: ${i}?\nA: ${i * 2}\n`).join('\n') + '\nQ: x?\nA:';
    const started = process.hrtime.bigint();
    const s = parse(text);
    assert.equal(s.examples.length, 5000);
    // Not a timing assertion on the product's speed: a guard against quadratic blow-up in the parser.
    assert.ok(Number(process.hrtime.bigint() - started) / 1e9 < 5);
  });
});
