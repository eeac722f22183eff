/** The hover's comparison part: a token's old and new numbers and their Δ, or that it is new (Markdown, pure). */
import type { TokenStat } from '../analysis';
import { formatBits } from '../format';
import { codeSpan } from '../visibleText';
import type { TokenDelta } from './revisions';

const signed = (x: number | null) => (x === null ? '—' : `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)} bits`);

/** Markdown for `token` of the current text against `label` (e.g. `HEAD:prompt.txt`); `old` is its matched old token. */
export function revisionHoverMarkdown(token: TokenStat, old: TokenStat | undefined, delta: TokenDelta, label: string): string {
  const against = codeSpan(label.replace(/[\r\n]/g, ' '));
  if (old === undefined) return `**vs ${against}** · new: no token of the old text at this place`;
  return [
    `**vs ${against}** · old token ${old.index}`,
    '',
    `surprisal ${formatBits(old.surprisal)} → ${formatBits(token.surprisal)} (Δ ${signed(delta.deltaSurprisal)})  `,
    `entropy ${formatBits(old.entropy)} → ${formatBits(token.entropy)} (Δ ${signed(delta.deltaEntropy)})`,
  ].join('\n');
}
