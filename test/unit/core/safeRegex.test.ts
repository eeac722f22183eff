/** The formatClass guard: what it accepts, what it refuses, and that front matter and settings say why. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFewShot } from '../../../src/core/fewShot/fewShotParser';
import { compileSafeRegex, MAX_REGEX_LENGTH, unsafeRegexReason } from '../../../src/core/safeRegex';
import { DEFAULT_SETTINGS, parseSettings } from '../../../src/core/settings';

describe('unsafeRegexReason', () => {
  for (const ok of ['^\\s*[A-Z]+\\(', '^\\s*[a-z_]+\\(', '^ ?(?:yes|no)$', '(?:ab)+', '[(+*]+x', '\\(+\\)', 'a{2,5}b', '^(?<word>\\w+)$', '\\p{Lu}+', 'x(?:a|b)?y', '[)]+', '\\u{1F600}+', '^\\s*\\w+\\s*=']) {
    it(`accepts ${ok}`, () => {
      assert.equal(unsafeRegexReason(ok), null);
      assert.ok(compileSafeRegex(ok).regex instanceof RegExp);
    });
  }
  const refused: Array<[string, RegExp]> = [
    ['(a+)+$', /another quantifier/],
    ['(a|aa)*b', /alternation/],
    ['(.*)*', /another quantifier/],
    ['(?:a*b?)+c', /another quantifier/],
    ['((a|b)c)+', /alternation/],
    ['(a?){20}a{20}', /another quantifier/],
    ['(\\w+\\s?){2,}$', /another quantifier/],
    ['(a)\\1', /backreferences/],
    ['(?<x>a)\\k<x>', /backreferences/],
    ['a(?=b)', /lookarounds/],
    ['(?<!a)b', /lookarounds/],
    ['(?!x)y', /lookarounds/],
    ['x'.repeat(MAX_REGEX_LENGTH + 1), /limit is 200/],
    ['.*.*.*.*x', /more than 3 repeating quantifiers/],
    // A quantifier with long digits is still a quantifier (V8 reads `{0000…1,}` as `+`).
    ['(a{0000000000000000000000001,}){0000000000000000000000001,}$', /another quantifier/],
  ];
  for (const [source, why] of refused) {
    it(`refuses ${source.length > 30 ? `${source.slice(0, 30)}…` : source}`, () => {
      assert.match(unsafeRegexReason(source) ?? '', why);
      const r = compileSafeRegex(source);
      assert.equal(r.regex, undefined);
      assert.match(r.error ?? '', /is refused/);
    });
  }
  it('reports a syntax error', () => {
    assert.match(compileSafeRegex('([a-').error ?? '', /not a valid regular expression/);
  });
  it('runs in time linear in the pattern, on any pattern', () => {
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) unsafeRegexReason('('.repeat(100) + ')'.repeat(100));
    assert.ok(performance.now() - t0 < 5000);
  });
});

describe('formatClass from front matter and settings', () => {
  it('front matter refuses a catastrophic pattern with the reason, and keeps the rest', () => {
    const text = '---\ninput: "Q:"\noutput: "A:"\nformatClass: "(a|aa)*b"\n---\nQ: a\nA: 1\nQ: b\nA:';
    const r = parseFewShot(text);
    assert.equal(r.frontMatterDiagnostics.length, 1);
    assert.equal(r.frontMatterDiagnostics[0].line, 3);
    assert.match(r.frontMatterDiagnostics[0].message, /"formatClass":.*alternation/);
    assert.equal(r.structure?.formatClass, null);
    assert.deepEqual(r.structure?.markers, { input: 'Q:', output: 'A:' });
  });
  it('front matter keeps a safe pattern', () => {
    const r = parseFewShot('---\ninput: "Q:"\noutput: "A:"\nformatClass: "^\\\\s*[A-Z]+\\\\("\n---\nQ: a\nA: 1\nQ: b\nA:');
    assert.deepEqual(r.frontMatterDiagnostics, []);
    assert.equal(r.structure?.formatClass, '^\\s*[A-Z]+\\(');
  });
  it('settings drop a catastrophic pattern and say why', () => {
    const s = parseSettings((k) => (k === 'fewShot.formatClass' ? '(a+)+$' : undefined));
    assert.equal(s.fewShot.formatClass, '');
    assert.match(s.fewShot.formatClassProblem ?? '', /^iclLens\.fewShot\.formatClass "\(a\+\)\+\$" is refused: .*another quantifier/);
  });
  it('settings keep a safe pattern with no problem', () => {
    const s = parseSettings((k) => (k === 'fewShot.formatClass' ? '^\\s*[A-Z]+\\(' : undefined));
    assert.equal(s.fewShot.formatClass, '^\\s*[A-Z]+\\(');
    assert.equal(s.fewShot.formatClassProblem, undefined);
    assert.deepEqual(parseSettings(() => undefined), DEFAULT_SETTINGS);
  });
});
