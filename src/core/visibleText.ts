/**
 * Token text made readable: whitespace and control characters shown as symbols.
 * One set of glyphs for the hover, the panel and the CLI; a space is `␣`, not
 * `·`, which the hover uses between its fields.
 */

const VISIBLE: Record<string, string> = { ' ': '␣', '\t': '→', '\n': '↵', '\r': '␍', '\u2581': '␣' };

/** `text` with whitespace made visible; `∅` for an empty piece. */
export function visibleText(text: string): string {
  if (text.length === 0) return '∅';
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (VISIBLE[ch] !== undefined) out += VISIBLE[ch];
    else if (code < 0x20 || code === 0x7f || code === 0x85) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16)}`;
    else out += ch;
  }
  return out;
}

/** A Markdown code span that survives backticks inside `text`. */
export function codeSpan(text: string): string {
  const runs = text.match(/`+/g) ?? [];
  const fence = '`'.repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/**
 * `text` as literal Markdown: every character CommonMark could read as syntax
 * (emphasis, links, headings, tables, HTML) is backslash-escaped. For untrusted
 * strings (a model's name from its GGUF metadata) placed in a trusted hover,
 * where a crafted link could run a command.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~&$:"']/g, '\\$&').replace(/\r\n|\n|\r/g, ' ');
}

/**
 * `text` for a plain-text UI label: `$(name)` would render as an icon there, so
 * a zero-width space goes between `$` and `(`.
 */
export function escapeIcons(text: string): string {
  return text.replace(/\$\(/g, '$\u200b(');
}
