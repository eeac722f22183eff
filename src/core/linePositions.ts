/**
 * Offsets to line positions, as an editor counts them (`\r\n`, `\n` and `\r`
 * each end a line): line starts found once, then a binary search per offset.
 */

/** A function from a UTF-16 offset of `text` to its 0-based line and character. */
export function linePositions(text: string): (offset: number) => { line: number; character: number } {
  const lineStarts = [0];
  for (const m of text.matchAll(/\r\n|\n|\r/g)) lineStarts.push(m.index + m[0].length);
  return (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - lineStarts[lo] };
  };
}
