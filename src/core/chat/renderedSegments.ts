/**
 * Where each message's content lies in a rendered chat prompt. The renderer
 * (model/worker/chatRender.ts) knows the prompt as runs: template text (role
 * headers, special tokens, a template's own default system message) and plain
 * text, which holds the messages' content verbatim, sometimes with text a chat
 * wrapper adds around it (the "\n\n" between merged messages, a system message
 * turned into a user one) and sometimes out of turn order (Mistral's wrapper
 * puts the system message into the last user message). Each turn's content is
 * found in the plain runs, preferably after the previous turn's; everything else
 * is template.
 */
import type { RenderedSegment } from './chatTypes';

/** A run of the rendered prompt: `plain` text is tokenized as text, the rest with special tokens. */
export interface RenderedRun {
  readonly text: string;
  readonly plain: boolean;
}

/**
 * Segments tiling the concatenated `runs`: each non-empty content of
 * `contents` (turn i's content is `contents[i]`) as a content segment where it
 * is first found in a plain run after the previous turn's (else first found
 * anywhere not already taken), the gaps as template segments. A content found only trimmed (a wrapper that trims messages) is the
 * trimmed part, with `contentStart` where it starts in the content; a content
 * not found at all has no segment.
 */
export function locateContentSegments(runs: readonly RenderedRun[], contents: readonly string[]): RenderedSegment[] {
  const plain: Array<{ start: number; end: number; text: string }> = [];
  let length = 0;
  for (const run of runs) {
    if (run.plain) plain.push({ start: length, end: length + run.text.length, text: run.text });
    length += run.text.length;
  }

  const found: RenderedSegment[] = [];
  let cursor = 0;
  for (let turn = 0; turn < contents.length; turn++) {
    const at = locate(plain, contents[turn], cursor, found) ?? locate(plain, contents[turn], 0, found);
    if (at === undefined) continue;
    found.push({ start: at.start, end: at.end, kind: 'content', turn, contentStart: at.contentStart });
    cursor = at.end;
  }
  found.sort((a, b) => a.start - b.start);

  const segments: RenderedSegment[] = [];
  let end = 0;
  for (const s of found) {
    if (s.start > end) segments.push({ start: end, end: s.start, kind: 'template' });
    segments.push(s);
    end = s.end;
  }
  if (length > end) segments.push({ start: end, end: length, kind: 'template' });
  return segments;
}

/** The first place at or after `cursor`, clear of `taken`, where `content` (else its trimmed part) lies inside one plain run. */
function locate(
  plain: ReadonlyArray<{ start: number; end: number; text: string }>, content: string, cursor: number, taken: readonly RenderedSegment[],
): { start: number; end: number; contentStart: number } | undefined {
  const trimmedStart = content.length - content.trimStart().length;
  const candidates = [{ text: content, contentStart: 0 }, { text: content.trim(), contentStart: trimmedStart }];
  for (const { text, contentStart } of candidates) {
    if (text.length === 0) return undefined;
    for (const run of plain) {
      for (let i = run.text.indexOf(text, Math.max(0, cursor - run.start)); i >= 0; i = run.text.indexOf(text, i + 1)) {
        const start = run.start + i;
        const end = start + text.length;
        if (!taken.some((t) => start < t.end && t.start < end)) return { start, end, contentStart };
      }
    }
  }
  return undefined;
}
