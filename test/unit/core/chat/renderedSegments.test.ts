import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { locateContentSegments, type RenderedRun } from '../../../../src/core/chat/renderedSegments';

const t = (text: string): RenderedRun => ({ text, plain: false });
const p = (text: string): RenderedRun => ({ text, plain: true });
const textOf = (runs: readonly RenderedRun[]): string => runs.map((r) => r.text).join('');

describe('locateContentSegments', () => {
  it('finds each content in its plain run and makes the rest template, tiling the text', () => {
    const runs = [t('<|im_start|>system\n'), p('Be brief.'), t('<|im_end|>\n<|im_start|>user\n'), p('Hi'), t('<|im_end|>\n<|im_start|>assistant\n')];
    const segments = locateContentSegments(runs, ['Be brief.', 'Hi']);
    const text = textOf(runs);
    assert.deepEqual(segments.map((s) => [s.kind, text.slice(s.start, s.end), s.turn]), [
      ['template', '<|im_start|>system\n', undefined],
      ['content', 'Be brief.', 0],
      ['template', '<|im_end|>\n<|im_start|>user\n', undefined],
      ['content', 'Hi', 1],
      ['template', '<|im_end|>\n<|im_start|>assistant\n', undefined],
    ]);
    assert.equal(segments[0].start, 0);
    assert.equal(segments.at(-1)!.end, text.length);
    for (let i = 1; i < segments.length; i++) assert.equal(segments[i].start, segments[i - 1].end);
  });

  it('never places a content in template text, even when the template spells it', () => {
    // The role word "user" is in the header; the user's message "user" is found only in the plain run.
    const runs = [t('<|im_start|>user\n'), p('user'), t('<|im_end|>\n')];
    const [seg] = locateContentSegments(runs, ['user']).filter((s) => s.kind === 'content');
    assert.equal(textOf(runs).slice(0, seg.start), '<|im_start|>user\n');
  });

  it('keeps turn order: a repeated content goes to the next occurrence', () => {
    const runs = [t('<u>'), p('yes'), t('<a>'), p('yes'), t('<u>'), p('no')];
    const content = locateContentSegments(runs, ['yes', 'yes', 'no']).filter((s) => s.kind === 'content');
    assert.deepEqual(content.map((s) => [s.start, s.turn]), [[3, 0], [9, 1], [15, 2]]);
  });

  it('finds merged messages inside one plain run, the joiner being template', () => {
    // node-llama-cpp joins adjacent user messages with a blank line.
    const runs = [t('<u>'), p('first\n\nsecond'), t('</u>')];
    const segments = locateContentSegments(runs, ['first', 'second']);
    assert.deepEqual(segments.map((s) => [s.kind, s.start, s.end]), [
      ['template', 0, 3], ['content', 3, 8], ['template', 8, 10], ['content', 10, 16], ['template', 16, 20],
    ]);
  });

  it('falls back to the trimmed content, saying where it starts', () => {
    const runs = [t('[INST] '), p('hello'), t(' [/INST]')];
    const [seg] = locateContentSegments(runs, ['  hello\n']).filter((s) => s.kind === 'content');
    assert.deepEqual([seg.start, seg.end, seg.contentStart], [7, 12, 2]);
  });

  it('gives an empty or missing content no segment, and an empty render none at all', () => {
    const runs = [t('<u>'), p('x'), t('</u>')];
    const segments = locateContentSegments(runs, ['', 'not there', 'x']);
    assert.deepEqual(segments.filter((s) => s.kind === 'content').map((s) => s.turn), [2]);
    assert.deepEqual(locateContentSegments([], []), []);
  });
});

describe('locateContentSegments on reordered content', () => {
  it('finds a content the wrapper moved before or after others (Mistral: system inside the last user message)', () => {
    const runs = [t('<s>[INST]'), p('first'), t('[/INST]'), p('answer'), t('</s>[INST]'), p('Be brief.\n\nsecond'), t('[/INST]')];
    const text = textOf(runs);
    const content = locateContentSegments(runs, ['Be brief.', 'first', 'answer', 'second']).filter((s) => s.kind === 'content');
    assert.deepEqual(content.map((s) => [text.slice(s.start, s.end), s.turn]), [['first', 1], ['answer', 2], ['Be brief.', 0], ['second', 3]]);
  });
});
