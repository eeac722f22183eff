/**
 * Finds the header, examples and query of an ordinary prompt file, with no
 * annotations for the common shapes: marker pairs (`Input:/Output:`, `Q:/A:`,
 * `Question:/Answer:`, `User:/Assistant:`, or any two `Label:` line prefixes that
 * alternate), `x -> y` / `x => y` lines, and blocks separated by blank lines,
 * `###` or `---`. Front matter overrides detection. The last example-shaped unit
 * is the query; its written output, if any, is the target.
 */
import { FORMAT_ALPHA, LABELS_ALPHA } from '../windTunnel/tasks';
import { referenceProblem } from './analyticReference';
import { parseFrontMatter, splitLines, type FrontMatter } from './frontMatter';
import type { Candidate, ExampleSpan, FewShotShape, FewShotStructure, ParseResult, QuerySpan, StructureDiagnostic } from './fewShotStructure';

const KNOWN_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['Input:', 'Output:'],
  ['Question:', 'Answer:'],
  ['Q:', 'A:'],
  ['User:', 'Assistant:'],
];
const DEFAULT_CONTENT_FREE = 'N/A';
const MAX_LABELS = 10;
/** Per-example warnings listed before the rest are summed up in one line. */
export const MAX_DIAGNOSTICS = 100;

/** One example-shaped unit before it is split into input and output. */
interface Unit {
  start: number;
  end: number;
  inputStart: number;
  inputEnd: number;
  outputStart: number | null;
  outputEnd: number;
}

interface Detected {
  shape: FewShotShape;
  markers?: { input: string; output: string };
  headerEnd: number;
  units: Unit[];
}

/** Options from settings: workspace defaults for what front matter may declare. */
export interface ParseOptions {
  readonly contentFree?: string;
  readonly formatClass?: string;
  readonly lengthNormalize?: boolean;
}

/** Parse `text` (a whole document). Never throws: problems become diagnostics. */
export function parseFewShot(text: string, options: ParseOptions = {}): ParseResult {
  const fmResult = parseFrontMatter(text);
  const { frontMatter: fm, bodyStart } = fmResult;
  const diagnostics: StructureDiagnostic[] = [];
  const fail = (message: string): ParseResult => ({
    structure: null,
    diagnostics: [...diagnostics, { offset: bodyStart, length: 0, message, severity: 'warning' }],
    bodyStart,
    frontMatterDiagnostics: fmResult.diagnostics,
  });
  if (fm.header !== undefined && fm.header.length > 0 && !text.startsWith(fm.header, bodyStart)) {
    return fail(`The prompt does not start with the declared header ${JSON.stringify(fm.header)}.`);
  }
  const declared = fm.input !== undefined || fm.output !== undefined || fm.separator !== undefined || fm.header !== undefined;
  const detected = detect(text, bodyStart, fm);
  if (detected === null) {
    return fail(declared
      ? 'The declared markers or separator were not found in the prompt.'
      : 'No few-shot structure found: write examples as "Input:/Output:", "Q:/A:", "x -> y" lines or blocks separated by blank lines, or declare markers in front matter.');
  }
  const units = detected.units;
  const last = units[units.length - 1];
  let query: QuerySpan;
  if (last.outputStart === null) {
    if (detected.shape !== 'blocks' && detected.shape !== 'separator') {
      return fail(`The query has no output marker${detected.markers ? ` "${detected.markers.output}"` : ''}: end the prompt with it so the model answers there.`);
    }
    // The answer goes on the line after the input: one line break, not the blank lines after it.
    const br = /^(?:\r\n|\n|\r)/.exec(text.slice(last.inputEnd, last.end));
    const outputStart = br ? last.inputEnd + br[0].length : last.inputEnd;
    query = { ...last, outputStart, outputEnd: outputStart, appendNewline: br === null };
  } else {
    query = { ...last, outputStart: last.outputStart, appendNewline: false };
  }
  const examples: ExampleSpan[] = [];
  let unreported = 0;
  units.slice(0, -1).forEach((u, i) => {
    if (u.outputStart === null) {
      // A file of thousands of output-less units would otherwise flood the Problems view.
      if (diagnostics.length < MAX_DIAGNOSTICS) diagnostics.push({ offset: u.start, length: Math.min(u.end, u.inputEnd) - u.start, message: `Example ${i + 1} has no output; it is left out.`, severity: 'warning' });
      else unreported++;
      return;
    }
    examples.push({ ...u, outputStart: u.outputStart });
  });
  if (unreported > 0) {
    diagnostics.push({ offset: bodyStart, length: 0, message: `${unreported} more example${unreported === 1 ? '' : 's'} without an output ${unreported === 1 ? 'is' : 'are'} left out (only the first ${MAX_DIAGNOSTICS} are listed).`, severity: 'warning' });
  }
  const outputs = examples.map((e) => text.slice(e.outputStart, e.outputEnd));
  const spaced = outputs.length > 0 && outputs.every((o) => o.startsWith(' '));
  const asOutput = (s: string) => (spaced && !/^\s/.test(s) ? ` ${s}` : s);

  const written = text.slice(query.outputStart, query.outputEnd);
  const target = fm.target !== undefined ? asOutput(fm.target) : written.trim().length > 0 ? written : null;
  const structure: FewShotStructure = {
    shape: detected.shape,
    declared,
    ...(detected.markers ? { markers: detected.markers } : {}),
    bodyStart,
    header: { start: bodyStart, end: detected.headerEnd },
    examples,
    query,
    target,
    targetSource: fm.target !== undefined ? 'front matter' : target !== null ? 'document' : null,
    ...measureOptions(fm, options, outputs, asOutput),
  };
  const problem = referenceProblem(structure, outputs);
  if (problem !== null) diagnostics.push({ offset: bodyStart, length: 0, message: problem, severity: 'warning' });
  return { structure, diagnostics, bodyStart, frontMatterDiagnostics: fmResult.diagnostics };
}

/** What a prompt declares (front matter, settings) or implies (labels in its outputs) about what to measure. */
export type MeasureOptions = Pick<FewShotStructure, 'candidates' | 'candidatesSource' | 'formatClass' | 'contentFree' | 'reference' | 'lengthNormalize'>;

/**
 * The measurement options of a prompt whose example outputs are `outputs`:
 * front matter first, then the settings' defaults; candidates from front matter
 * (each made an output by `asOutput`), else the labels among the outputs.
 * Chat files use it too (core/chat/chatFewShot.ts), their fields read as front matter.
 */
export function measureOptions(fm: FrontMatter, options: ParseOptions, outputs: readonly string[], asOutput: (s: string) => string = (x) => x): MeasureOptions {
  let candidates: Candidate[] = [];
  let candidatesSource: FewShotStructure['candidatesSource'] = null;
  if (fm.candidates) {
    candidates = fm.candidates.map((c) => ({ name: c.name, text: asOutput(c.text) }));
    candidatesSource = 'front matter';
  } else {
    candidates = labelCandidates(outputs);
    if (candidates.length > 0) candidatesSource = 'example labels';
  }
  return {
    candidates,
    candidatesSource,
    formatClass: fm.formatClass ?? (options.formatClass || null),
    contentFree: fm.contentFree ?? options.contentFree ?? DEFAULT_CONTENT_FREE,
    reference: fm.reference ? { task: fm.reference, alpha: fm.alpha ?? (fm.reference === 'format' ? FORMAT_ALPHA : LABELS_ALPHA) } : null,
    lengthNormalize: fm.lengthNormalize ?? options.lengthNormalize ?? false,
  };
}


/** Outputs that repeat from a small set read as labels: each distinct one is a candidate. */
function labelCandidates(outputs: readonly string[]): Candidate[] {
  const seen = new Map<string, string>();
  for (const o of outputs) {
    const name = o.trim();
    if (name.length === 0 || name.length > 40 || name.includes('\n')) return [];
    if (!seen.has(name)) seen.set(name, o.trimEnd());
  }
  if (seen.size < 2 || seen.size > MAX_LABELS || seen.size >= outputs.length) return [];
  return [...seen].map(([name, text]) => ({ name, text }));
}

function detect(text: string, bodyStart: number, fm: FrontMatter): Detected | null {
  const bodyFrom = bodyStart + (fm.header?.length ?? 0);
  if (fm.separator !== undefined) return bySeparator(text, bodyStart, bodyFrom, fm.separator, fm.input, fm.output, true);
  // The body is split into lines once for every detector below: each split of a large file is garbage to collect.
  const lines = splitLines(text, bodyFrom);
  if (fm.input !== undefined && fm.output !== undefined) return byMarkers(text, lines, fm.input, fm.output);
  if (fm.output !== undefined) return byLineMarker(text, lines, fm.output, 'arrows');
  for (const [input, output] of KNOWN_PAIRS) {
    const d = byMarkers(text, lines, input, output);
    if (d !== null && d.units.length >= 2) return d;
  }
  const arrow = mostCommonArrow(lines);
  if (arrow !== null) {
    const d = byLineMarker(text, lines, arrow, 'arrows');
    if (d !== null && d.units.length >= 2) return d;
  }
  const pair = alternatingLabels(lines);
  if (pair !== null) {
    const d = byMarkers(text, lines, pair[0], pair[1]);
    if (d !== null && d.units.length >= 2) return d;
  }
  const separatorLine = /^[ \t]*(###|---)[ \t]*$/m.exec(text.slice(bodyFrom));
  const d = bySeparator(text, bodyStart, bodyFrom, separatorLine ? separatorLine[1] : null, undefined, undefined, false);
  return d !== null && d.units.length >= 2 ? d : null;
}

/**
 * Units start at each line that begins with `input`; the output follows `output` inside the unit.
 * Linear: each line is looked at once to find the starts and once more inside its own unit.
 */
function byMarkers(text: string, lines: readonly Line[], input: string, output: string): Detected | null {
  const starts: number[] = [];
  let anyOutput = false;
  lines.forEach((l, i) => {
    const t = l.text.trimStart();
    if (t.startsWith(input)) starts.push(i);
    if (t.startsWith(output)) anyOutput = true;
  });
  if (starts.length === 0 || !anyOutput) return null;
  const units: Unit[] = starts.map((li, i) => {
    const l = lines[li];
    const next = i + 1 < starts.length ? starts[i + 1] : lines.length;
    const end = i + 1 < starts.length ? lines[next].start : text.length;
    const inputStart = l.start + l.text.indexOf(input) + input.length;
    // The output marker: the first later line of this unit that starts with it, else later on the input line.
    let outLine: typeof l | undefined;
    for (let j = li + 1; j < next && outLine === undefined; j++) {
      const o = lines[j];
      if (o.start > l.start && o.start < end && o.text.trimStart().startsWith(output)) outLine = o;
    }
    outLine ??= l.text.includes(output, l.text.indexOf(input) + input.length) && output !== input ? l : undefined;
    if (outLine === undefined) return { start: l.start, end, inputStart, inputEnd: trimEnd(text, inputStart, end), outputStart: null, outputEnd: end };
    const markerAt = outLine === l ? l.start + l.text.indexOf(output, l.text.indexOf(input) + input.length) : outLine.start + outLine.text.indexOf(output);
    const outputStart = markerAt + output.length;
    return { start: l.start, end, inputStart, inputEnd: trimEnd(text, inputStart, markerAt), outputStart, outputEnd: outputEndOf(text, outputStart, end) };
  });
  return { shape: 'markers', markers: { input, output }, headerEnd: lines[starts[0]].start, units };
}

/** A line of the body: offsets into the whole document; `end` includes the line break. */
interface Line {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** Each line containing `marker` is a unit: input before it, output after it. */
function byLineMarker(text: string, lines: readonly Line[], marker: string, shape: FewShotShape): Detected | null {
  const hits = lines.filter((l) => l.text.includes(marker));
  if (hits.length === 0) return null;
  const units: Unit[] = hits.map((l, i) => {
    const end = i + 1 < hits.length ? hits[i + 1].start : text.length;
    const at = l.start + l.text.indexOf(marker);
    const outputStart = at + marker.length;
    const lineEnd = l.start + l.text.length;
    return { start: l.start, end, inputStart: l.start, inputEnd: trimEnd(text, l.start, at), outputStart, outputEnd: trimEnd(text, outputStart, lineEnd) };
  });
  return { shape, markers: { input: '', output: marker }, headerEnd: hits[0].start, units };
}

/**
 * Units separated by `separator` (a literal, or `###`/`---` lines, or blank lines
 * when null); the separator stays with the unit before it. Inside a unit the
 * output follows `output` when given, else it is the last line of a multi-line
 * unit, else the whole unit (output-only examples, as in `labels: A B A`).
 */
function bySeparator(
  text: string, bodyStart: number, bodyFrom: number, separator: string | null, input: string | undefined, output: string | undefined, declared: boolean,
): Detected | null {
  const body = text.slice(bodyFrom);
  const cuts: number[] = [];
  const re = separator === null ? /(?:\r?\n|\r)(?:[ \t]*(?:\r?\n|\r))+/g
    : separator === '###' || separator === '---' ? new RegExp(`(?:^|\\r?\\n|\\r)[ \\t]*${separator}[ \\t]*(?:\\r?\\n|\\r|$)`, 'g')
      : new RegExp(escapeRegex(separator), 'g');
  for (let m = re.exec(body); m !== null; m = re.exec(body)) {
    if (m[0].length === 0) { re.lastIndex++; continue; }
    cuts.push(bodyFrom + m.index + m[0].length);
  }
  const bounds = [bodyFrom, ...cuts.filter((c) => c < text.length), text.length];
  const pieces: Array<{ start: number; end: number }> = [];
  for (let i = 0; i + 1 < bounds.length; i++) if (bounds[i + 1] > bounds[i]) pieces.push({ start: bounds[i], end: bounds[i + 1] });
  // A piece that is only separator (a leading one) joins the header.
  let headerEnd = bodyFrom;
  while (pieces.length > 0 && content(text, pieces[0]).trim().length === 0) headerEnd = pieces.shift()!.end;
  if (pieces.length === 0) return null;
  const lineCount = (p: { start: number; end: number }) => splitLines(content(text, p).trimEnd()).length;
  // Undeclared blocks: a one-line first block before multi-line blocks is an instruction header.
  if (!declared && bodyFrom === bodyStart && pieces.length >= 3 && lineCount(pieces[0]) === 1 && lineCount(pieces[1]) >= 2) headerEnd = pieces.shift()!.end;
  const units = pieces.map((p) => splitPiece(text, p, input, output, separator, declared));
  return { shape: declared ? 'separator' : 'blocks', ...(output !== undefined ? { markers: { input: input ?? '', output } } : {}), headerEnd, units };
}

function splitPiece(text: string, p: { start: number; end: number }, input: string | undefined, output: string | undefined, separator: string | null, declared: boolean): Unit {
  const c = content(text, p);
  const bodyEnd = separatorStart(text, p, separator);
  const contentEnd = trimEnd(text, p.start, bodyEnd);
  const inputStart = input !== undefined && c.trimStart().startsWith(input) ? p.start + c.indexOf(input) + input.length : p.start;
  if (output !== undefined) {
    const at = indexBefore(text, output, inputStart, bodyEnd);
    if (at < 0) return { start: p.start, end: p.end, inputStart, inputEnd: trimEnd(text, inputStart, bodyEnd), outputStart: null, outputEnd: bodyEnd };
    const outputStart = at + output.length;
    return { start: p.start, end: p.end, inputStart, inputEnd: trimEnd(text, inputStart, at), outputStart, outputEnd: trimEnd(text, outputStart, bodyEnd) };
  }
  const lines = splitLines(text.slice(p.start, contentEnd)).map((l) => ({ ...l, start: l.start + p.start }));
  if (lines.length >= 2) {
    const last = lines[lines.length - 1];
    return { start: p.start, end: p.end, inputStart, inputEnd: trimEnd(text, inputStart, last.start), outputStart: last.start, outputEnd: trimEnd(text, last.start, contentEnd) };
  }
  if (declared) {
    // One line in a declared-separator prompt: an output-only example.
    return { start: p.start, end: p.end, inputStart: p.start, inputEnd: p.start, outputStart: p.start, outputEnd: trimEnd(text, p.start, bodyEnd) };
  }
  return { start: p.start, end: p.end, inputStart, inputEnd: contentEnd, outputStart: null, outputEnd: contentEnd };
}

/** The piece without the separator that ends it (for literal separators). */
function separatorStart(text: string, p: { start: number; end: number }, separator: string | null): number {
  if (separator !== null && separator !== '###' && separator !== '---' && text.endsWith(separator, p.end)) return p.end - separator.length;
  return p.start + content(text, p).trimEnd().replace(/(?:^|\n)[ \t]*(###|---)[ \t]*$/, '').trimEnd().length;
}

/**
 * The first `needle` starting in [from, before), or -1. Unlike a bare `indexOf`
 * it never reads past the piece, so a marker missing from every piece costs
 * one pass over the text rather than one per piece.
 */
function indexBefore(text: string, needle: string, from: number, before: number): number {
  const at = text.slice(from, Math.min(text.length, before + needle.length - 1)).indexOf(needle);
  return at < 0 || from + at >= before ? -1 : from + at;
}

function content(text: string, p: { start: number; end: number }): string {
  return text.slice(p.start, p.end);
}

/** Where an output ends: trailing whitespace and separator lines trimmed. */
function outputEndOf(text: string, from: number, end: number): number {
  const s = text.slice(from, end).trimEnd().replace(/(?:\r?\n|\r)[ \t]*(###|---)[ \t]*$/, '').trimEnd();
  return from + s.length;
}

function trimEnd(text: string, from: number, end: number): number {
  let e = end;
  while (e > from && /\s/.test(text[e - 1])) e--;
  return e;
}

function mostCommonArrow(lines: readonly Line[]): string | null {
  const count = (a: string) => lines.filter((l) => l.text.includes(a)).length;
  const [a, b] = [count('->'), count('=>')];
  if (Math.max(a, b) < 2) return null;
  return a >= b ? '->' : '=>';
}

/** Two `Label:` line prefixes that alternate (Review:/Sentiment:, Text:/Label:, …). */
function alternatingLabels(lines: readonly Line[]): [string, string] | null {
  const labels = lines.map((l) => /^([A-Za-z][\w ]{0,24}):/.exec(l.text)?.[1]).filter((l): l is string => l !== undefined);
  const pairs = new Map<string, number>();
  for (let i = 0; i + 1 < labels.length; i++) {
    if (labels[i] !== labels[i + 1]) pairs.set(`${labels[i]}\u0000${labels[i + 1]}`, (pairs.get(`${labels[i]}\u0000${labels[i + 1]}`) ?? 0) + 1);
  }
  let best: [string, string] | null = null;
  let bestCount = 1;
  for (const [key, n] of pairs) {
    const [a, b] = key.split('\u0000');
    if (n > bestCount && (pairs.get(`${b}\u0000${a}`) ?? 0) >= 1) {
      best = [`${a}:`, `${b}:`];
      bestCount = n;
    }
  }
  return best;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
