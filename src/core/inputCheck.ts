/**
 * Checks a document before it is sent to the model: too large or binary content
 * gets a clear message instead of an analysis.
 */

export type InputProblem = { readonly kind: 'too-large'; readonly bytes: number; readonly limit: number } | { readonly kind: 'binary' };

/**
 * A user-facing sentence for `problem`. `limitSource` says where the size limit
 * comes from (a VS Code setting, a CLI constant), so each front end names its own.
 */
export function describeInputProblem(problem: InputProblem, limitSource?: string): string {
  switch (problem.kind) {
    case 'too-large':
      return `The file is ${(problem.bytes / 1e6).toFixed(1)} MB, over the ${(problem.limit / 1e6).toFixed(1)} MB limit${limitSource ? ` (${limitSource})` : ''}.`;
    case 'binary':
      return 'The file looks binary (it contains NUL characters), so it is not analysed.';
  }
}

/** The problem with `text`, or null when it can be analysed. */
export function checkInput(text: string, maxBytes: number): InputProblem | null {
  const bytes = utf8Length(text);
  if (bytes > maxBytes) return { kind: 'too-large', bytes, limit: maxBytes };
  if (text.includes('\u0000')) return { kind: 'binary' };
  return null;
}

/** UTF-8 byte length of `text` without encoding it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { bytes += 4; i++; }
    else bytes += 3;
  }
  return bytes;
}
