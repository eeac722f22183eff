/**
 * `icl-lens`: the headless CLI over the same core and model runtime as the
 * extension. Exit codes: 0 ok, 1 an --expect not met, 2 usage, 3 model problem
 * (including a download that failed and a runtime that crashed or hung),
 * 4 input problem, 70 internal error, 130 interrupted (Ctrl+C).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readingFor, type Analysis, type Metric } from '../core/analysis';
import { summarize } from '../core/bits';
import { parseCliArgs, UsageError, USAGE, type CompareArgs, type HeatmapArgs, type ProbeArgs, type SweepArgs, type WindTunnelArgs } from '../core/cliArgs';
import type { ContinuationScorer } from '../core/fewShot/continuationScorer';
import { compareRevisions } from '../core/compare/revisions';
import { renderRevisionSummary, renderRevisionTable, renderSweepComparison, revisionJson } from '../core/compare/revisionReport';
import { checkExpectation } from '../core/fewShot/expectations';
import { parseDocumentFewShot } from '../core/chat/chatFewShot';
import { parseChatDocument } from '../core/chat/chatFile';
import type { ChatDocument, ChatSourceAnalysis, ChatTemplateChoice } from '../core/chat/chatTypes';
import { forecastOf, forecastVerdict } from '../core/fewShot/forecast';
import type { FewShotStructure } from '../core/fewShot/fewShotStructure';
import { DEFAULT_PROBE_OPTIONS, ProbeInputError, runProbe } from '../core/fewShot/probes';
import { runSweep } from '../core/fewShot/sweep';
import { renderProbe, renderSweep } from '../core/fewShot/sweepReport';
import { calibrationVerdict, looVerdict, orderVerdict, randomLabelsVerdict, sweepVerdicts, type Verdict } from '../core/fewShot/verdicts';
import type { Precision } from '../core/precision';
import { unreadableNotice } from '../core/readability';
import { renderWindTunnel, runWindTunnel, windTunnelVerdict } from '../core/windTunnel/windTunnelProbe';
import { checkInput, describeInputProblem } from '../core/inputCheck';
import type { Logger } from '../core/logger';
import { renderChatHeatmapText, renderChatTokenTable, renderHeatmapText, renderLegend, renderSummary, renderTokenTable } from '../core/terminalHeatmap';
import { comparisonJson, renderComparison } from '../core/compare/modelsReport';
import { renderSweepPair } from '../core/compare/modelsSweep';
import { analyzeChatDocument } from '../model/analyzeChat';
import { analyzeDocument } from '../model/analyzeDocument';
import { compareModels } from '../model/compareModels';
import type { LoadSpec } from '../model/runtimeProtocol';
import { isRemoteSource } from '../model/worker/modelCache';
import { checkModelFile } from '../model/worker/modelFile';
import { gitShowFile, RevisionError } from '../model/gitRevision';
import { precisionSpec } from '../model/loadSpecs';
import { RuntimeClient } from '../model/runtimeClient';
import { RuntimeError } from '../model/runtimeError';
import { PromptFileError, readPromptFile } from './promptFile';
import { linePositions } from '../core/linePositions';

const EXIT = { ok: 0, expectation: 1, usage: 2, model: 3, input: 4, internal: 70, interrupted: 130 } as const;
/** The project's own model, used when no other is named. */
const BUILTIN_MODEL = path.join(__dirname, '..', 'models', 'icl-lens-windtunnel.gguf');
const MAX_FILE_BYTES = 10_000_000;
const SCALE_MAX_BITS = 10;

class CliError extends Error {
  constructor(readonly exitCode: number, message: string) {
    super(message);
  }
}

/** The `--json` object. */
export function heatmapJson(analysis: Analysis, metric: Metric): object {
  const s = summarize(analysis.tokens);
  const unreadable = unreadableNotice(s, analysis.model.vocabSize, analysis.model.name);
  return {
    model: analysis.model,
    metric,
    text: analysis.text,
    tokens: analysis.tokens,
    next: analysis.next,
    summary: { tokens: s.tokens, perplexity: s.perplexity, meanSurprisal: s.meanSurprisal, meanEntropy: s.meanEntropy, unreadable: unreadable?.message ?? null },
    // How the model evaluated (also in route): exact, or fast (flash attention, F16 cache).
    precision: analysis.route.precision,
    route: analysis.route,
  };
}

function readDocument(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readPromptFile(file, MAX_FILE_BYTES);
  } catch (err) {
    if (err instanceof PromptFileError) throw new CliError(EXIT.input, err.message);
    throw err;
  }
  return decodeDocument(file, bytes);
}

/** The text of a prompt's bytes, checked as every prompt is; `file` names it in errors. */
function decodeDocument(file: string, bytes: Buffer): string {
  if (bytes.includes(0)) throw new CliError(EXIT.input, `${file}: ${describeInputProblem({ kind: 'binary' })}`);
  // Editors drop a UTF-8 byte-order mark; do the same so offsets match the editor's.
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  const problem = checkInput(text, MAX_FILE_BYTES);
  if (problem) throw new CliError(EXIT.input, `${file}: ${describeInputProblem(problem, 'the CLI reads prompts up to this size')}`);
  return text;
}

/**
 * What `--against` names: a file when the path exists, else `file` at that git
 * revision (git show, in the file's repository). Problems are input problems (4).
 */
async function readAgainst(file: string, against: string): Promise<{ text: string; label: string }> {
  if (fs.existsSync(against)) return { text: readDocument(against), label: against };
  const label = `${against}:${path.basename(file)}`;
  try {
    return { text: decodeDocument(label, await gitShowFile(file, against, { maxBytes: MAX_FILE_BYTES })), label };
  } catch (err) {
    if (err instanceof RevisionError) throw new CliError(EXIT.input, `--against ${against}: ${err.message}`);
    throw err;
  }
}

function stderrLogger(verbose: boolean): Logger {
  const write = (level: string) => (m: string | Error) => { if (verbose) process.stderr.write(`[${level}] ${m instanceof Error ? m.message : m}\n`); };
  return { trace: write('trace'), debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/** Run `fn` with a runtime on `model`; maps runtime errors to exit codes, Ctrl+C to a clean cancel. */
async function withRuntime<T>(
  opts: CliModelOptions,
  fn: (runtime: RuntimeClient, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const runtime = new RuntimeClient({ workerPath: path.join(__dirname, 'worker.js'), logger: stderrLogger(process.env.ICL_LENS_VERBOSE === '1') });
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    runtime.setModel(cliLoadSpec(opts));
    return await fn(runtime, controller.signal);
  } catch (err) {
    if (err instanceof RuntimeError) {
      const message = err.code === 'cancelled' ? 'cancelled' : err.code === 'internal' ? `internal error in the model runtime: ${err.message}` : err.message;
      throw new CliError(exitCodeFor(err), message);
    }
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
    await runtime.dispose();
  }
}

/** The options that say which model runs and how. */
interface CliModelOptions {
  readonly model: string;
  readonly threads: number;
  readonly contextSize: number;
  readonly scorer: 'auto' | 'exact-map';
  readonly precision: Precision;
}

/** The load spec for `opts.model` (a path relative to the working directory, an hf: URI or a URL). */
function cliLoadSpec(opts: CliModelOptions): LoadSpec {
  const source = /^(hf:|https?:\/\/)/i.test(opts.model) ? opts.model : path.resolve(opts.model);
  return {
    source, downloadDir: process.env.ICL_LENS_MODELS_DIR ?? path.join(os.homedir(), '.cache', 'icl-lens', 'models'),
    threads: opts.threads, gpu: 'auto', maxContextSize: opts.contextSize, scorer: opts.scorer, ...precisionSpec(opts.precision),
  };
}

/**
 * The exit code for a runtime error. A crash or hang of the worker counts as a
 * model problem (3): in practice it is the model (memory, a file llama.cpp
 * rejects natively), and the message says what happened. Our own bugs are 70.
 */
function exitCodeFor(err: RuntimeError): number {
  switch (err.code) {
    case 'cancelled': return EXIT.interrupted;
    case 'input': return EXIT.input;
    case 'internal': return EXIT.internal;
    case 'model': case 'crashed': return EXIT.model;
  }
}

/**
 * The `--json` object of a chat file's heatmap: the heatmap's fields over the
 * file (content tokens at their place in it, template tokens marked `template:
 * true` with an empty span where they sit), which template rendered it, and
 * the exact text the model received.
 */
export function chatHeatmapJson(analysis: ChatSourceAnalysis, metric: Metric): object {
  return {
    ...heatmapJson(analysis, metric),
    template: analysis.rendered.rendered.template,
    templateKind: analysis.rendered.rendered.kind,
    renderedText: analysis.rendered.text,
  };
}

/** The chat file `file` holds, or null when it is none; its errors go to stderr and end the command. */
function chatDocument(file: string, text: string): ChatDocument | null {
  const doc = parseChatDocument(text, file);
  if (doc === null) return null;
  const lineOf = lineFinder(text);
  for (const d of doc.diagnostics) process.stderr.write(`icl-lens: ${file}:${lineOf(d.offset)}: ${d.severity === 'error' ? 'error: ' : ''}${d.message}\n`);
  if (doc.diagnostics.some((d) => d.severity === 'error')) throw new CliError(EXIT.input, `${file}: fix the chat file first; nothing was sent to the model`);
  return doc;
}

async function heatmap(args: HeatmapArgs): Promise<void> {
  const text = readDocument(args.file);
  const chat = chatDocument(args.file, text);
  if (chat !== null) return heatmapChat(args, text, chat);
  if (args.template !== undefined) process.stderr.write(`icl-lens: warning: ${args.file} is not a chat file; --template is ignored\n`);
  if (args.against !== undefined) return heatmapAgainst(args, text, await readAgainst(args.file, args.against));
  // Front matter is not sent to the model; offsets stay in the file's coordinates.
  // --metric surprisal needs no entropy: the exact-map route then skips it (core/analysis.ts Reading).
  const analysis = await withRuntime({ ...args, model: args.model ?? BUILTIN_MODEL }, (runtime, signal) => analyzeDocument(runtime, text, args.topK, { signal }, readingFor(args.metric)));
  if (args.json) {
    process.stdout.write(`${JSON.stringify(heatmapJson(analysis, args.metric))}\n`);
    return;
  }
  const unreadable = unreadableNotice(summarize(analysis.tokens), analysis.model.vocabSize, analysis.model.name);
  if (args.color === undefined && process.stdout.isTTY !== true) {
    // Piped or redirected: a per-token table other tools can read, not the text without its colours.
    if (unreadable) process.stderr.write(`icl-lens: warning: ${unreadable.message}\n`);
    process.stdout.write(`${renderTokenTable(analysis)}\n`);
    return;
  }
  const color = args.color ?? (process.stdout.isTTY === true && !process.env.NO_COLOR);
  // Colours over a text the model cannot read would look calm and mean nothing: say so instead,
  // unless colours were asked for explicitly (--color), and then say so too.
  const hide = unreadable !== null && args.color !== true;
  if (unreadable) process.stderr.write(`icl-lens: warning: ${unreadable.message}\n`);
  process.stdout.write(hide ? `${analysis.text}\n\n` : `${renderHeatmapText(analysis, args.metric, SCALE_MAX_BITS, color)}\n\n`);
  process.stdout.write(`${hide ? `WARNING: ${unreadable!.message}\n` : `${renderLegend(args.metric, SCALE_MAX_BITS, color)}\n`}${renderSummary(analysis, args.metric)}\n`);
}

/** A chat file's heatmap: the rendered prompt, template tokens set apart; the JSON maps content tokens onto the file. */
async function heatmapChat(args: HeatmapArgs, text: string, doc: ChatDocument): Promise<void> {
  if (args.against !== undefined) throw new CliError(EXIT.input, `${args.file}: --against compares text prompts; it does not take chat files yet`);
  const template = args.template ?? 'auto';
  const analysis = await withRuntime({ ...args, model: args.model ?? BUILTIN_MODEL }, (runtime, signal) => analyzeChatDocument(runtime, text, doc, template, args.topK, { signal }));
  const rendered = analysis.rendered;
  if (args.json) {
    process.stdout.write(`${JSON.stringify(chatHeatmapJson(analysis, args.metric))}\n`);
    return;
  }
  // Read on the file's analysis, whose template tokens are marked (the means are the messages' tokens').
  const unreadable = unreadableNotice(summarize(analysis.tokens), analysis.model.vocabSize, analysis.model.name);
  if (unreadable) process.stderr.write(`icl-lens: warning: ${unreadable.message}\n`);
  if (args.color === undefined && process.stdout.isTTY !== true) {
    process.stdout.write(`${renderChatTokenTable(analysis)}\n`);
    return;
  }
  const color = args.color ?? (process.stdout.isTTY === true && !process.env.NO_COLOR);
  const hide = unreadable !== null && args.color !== true;
  // Without colours (or with a text the model cannot read) the template's text is bracketed, else dimmed.
  const painted = color && !hide;
  process.stdout.write(`rendered by ${rendered.rendered.template}; ${painted ? 'dimmed' : '[bracketed]'} text is the template's, not in the file\n\n`);
  process.stdout.write(`${renderChatHeatmapText(rendered, args.metric, SCALE_MAX_BITS, painted)}\n\n`);
  process.stdout.write(`${hide ? `WARNING: ${unreadable!.message}\n` : `${renderLegend(args.metric, SCALE_MAX_BITS, color)}\n`}${renderSummary(analysis, args.metric)}\n`);
}

/** `heatmap --against`: both texts analysed by one runtime, the current tokens matched to the old ones, Δ per token. */
async function heatmapAgainst(args: HeatmapArgs, text: string, old: { text: string; label: string }): Promise<void> {
  const [current, before] = await withRuntime({ ...args, model: args.model ?? BUILTIN_MODEL }, async (runtime, signal) => {
    const earlier = await analyzeDocument(runtime, old.text, args.topK, { signal });
    return [await analyzeDocument(runtime, text, args.topK, { signal }), earlier] as const;
  });
  const comparison = compareRevisions(current, before);
  for (const [analysis, name] of [[current, args.file], [before, old.label]] as const) {
    const unreadable = unreadableNotice(summarize(analysis.tokens), analysis.model.vocabSize, analysis.model.name);
    if (unreadable && !args.json) process.stderr.write(`icl-lens: warning: ${name}: ${unreadable.message}\n`);
  }
  if (args.json) {
    process.stdout.write(`${JSON.stringify(revisionJson(heatmapJson(current, args.metric) as { tokens: unknown; summary: object }, current, before, comparison, old.label))}\n`);
    return;
  }
  process.stdout.write(`${renderRevisionTable(current, before, comparison)}\n\n${renderRevisionSummary(current, before, comparison, old.label)}\n`);
}

async function windTunnel(args: WindTunnelArgs): Promise<void> {
  const report = await withRuntime({ ...args, model: args.model ?? BUILTIN_MODEL, scorer: 'auto' }, (runtime, signal) =>
    runWindTunnel(args, (spec) => runtime.symbolMass(spec, { signal }), (done) => {
      if (!args.json && process.stderr.isTTY) process.stderr.write(`\r${done}/${args.sequences} sequences`);
    }));
  if (!args.json && process.stderr.isTTY) process.stderr.write('\n');
  process.stdout.write(args.json ? `${JSON.stringify({ ...report, verdict: windTunnelVerdict(report), precision: args.precision })}\n` : `${renderWindTunnel(report)}\n`);
}

/** A function from a UTF-16 offset of `text` to its 1-based line. */
function lineFinder(text: string): (offset: number) => number {
  // Line starts once, then a binary search per diagnostic: slicing the text per diagnostic was quadratic.
  const positionAt = linePositions(text);
  return (offset: number) => positionAt(offset).line + 1;
}

/**
 * The document's few-shot structure (a chat file's, or a text prompt's), or an
 * input error listing what is wrong.
 */
function fewShotStructure(file: string, text: string, template?: ChatTemplateChoice): FewShotStructure {
  const parsed = parseDocumentFewShot(text, file);
  const lineOf = lineFinder(text);
  const problems = [
    ...parsed.frontMatterDiagnostics.map((d) => `${file}:${d.line + 1}: front matter: ${d.message}`),
    ...parsed.diagnostics.map((d) => `${file}:${lineOf(d.offset)}: ${d.severity === 'error' ? 'error: ' : ''}${d.message}`),
  ];
  // Bounded at the source: the parser and the front matter list 100 problems each and sum up the rest.
  for (const p of problems) process.stderr.write(`icl-lens: ${p}\n`);
  // A chat file with errors, or few-shot fields it cannot use: nothing is sent to the model.
  if (parsed.diagnostics.some((d) => d.severity === 'error')) throw new CliError(EXIT.input, `${file}: fix the errors above first`);
  if (parsed.structure === null) throw new CliError(EXIT.input, `${file}: no few-shot structure to sweep`);
  if (parsed.frontMatterDiagnostics.length > 0) throw new CliError(EXIT.input, `${file}: fix the front matter first`);
  if (template !== undefined && !parsed.structure.chat) process.stderr.write(`icl-lens: warning: ${file} is not a chat file; --template is ignored\n`);
  return parsed.structure;
}

/**
 * The runtime's continuation scorer; a chat's batches carry the template that
 * renders them, and `rendered.template` ends up naming it (in words).
 */
function continuationScorer(runtime: RuntimeClient, signal: AbortSignal, structure: FewShotStructure, template: ChatTemplateChoice = 'auto', rendered: { template?: string } = {}): ContinuationScorer {
  if (!structure.chat) return (batch) => runtime.scoreContinuations(batch, { signal });
  return async (batch) => {
    const result = await runtime.scoreContinuations({ ...batch, template }, { signal });
    rendered.template ??= result.template;
    return result;
  };
}

/**
 * `compare`: model A, then model B in the same runtime (switching frees A's
 * worker and its memory before B loads), so two models are never loaded together.
 */
async function compare(args: CompareArgs): Promise<void> {
  const text = readDocument(args.file);
  const modelA = args.model ?? BUILTIN_MODEL;
  const specB = cliLoadSpec({ ...args, model: args.modelB });
  // A missing or malformed B fails before A's work, not after it.
  if (!isRemoteSource(specB.source)) {
    try {
      checkModelFile(specB.source);
    } catch (err) {
      throw new CliError(EXIT.model, (err as Error).message);
    }
  }
  const comparison = await withRuntime({ ...args, model: modelA }, (runtime, signal) =>
    compareModels(text, runtime, specB.source, async () => {
      runtime.setModel(specB);
      return { runtime, memory: 'Loaded one after the other: model A was unloaded before model B loaded.' };
    }, { topK: args.topK, signal }));
  process.stdout.write(args.json ? `${JSON.stringify({ ...comparisonJson(comparison), precision: args.precision })}\n` : `${renderComparison(comparison)}\n`);
}

async function sweep(args: SweepArgs): Promise<number> {
  const text = readDocument(args.file);
  const structure = fewShotStructure(args.file, text, args.template);
  if (structure.examples.length === 0) throw new CliError(EXIT.input, `${args.file}: no few-shot examples before the query, so there is nothing to sweep`);
  const old = args.against === undefined ? undefined : await readAgainst(args.file, args.against);
  const oldStructure = old && fewShotStructure(old.label, old.text);
  if (old && oldStructure?.examples.length === 0) throw new CliError(EXIT.input, `${old.label}: no few-shot examples before the query, so there is nothing to sweep`);
  // One runtime per model; with --against, the old text is swept first under the same model.
  const sweepWith = (model: string) => withRuntime({ ...args, model }, async (runtime, signal) => {
    const run = (t: string, s: FewShotStructure) => runSweep(t, s, continuationScorer(runtime, signal, s, args.template), {
      leaveOneOut: args.leaveOneOut,
      toleranceBits: args.toleranceBits,
      onPartial: (_, done, total) => { if (!args.json && process.stderr.isTTY) process.stderr.write(`\r${done}/${total} prompts`); },
    });
    const earlier = old && oldStructure ? await run(old.text, oldStructure) : undefined;
    return [await run(text, structure), earlier] as const;
  });
  const [result, before] = await sweepWith(args.model ?? BUILTIN_MODEL);
  if (!args.json && process.stderr.isTTY) process.stderr.write('\n');
  if (args.modelB !== undefined) {
    // One model at a time: A's runtime is disposed before B's starts.
    const [resultB] = await sweepWith(args.modelB);
    if (!args.json && process.stderr.isTTY) process.stderr.write('\n');
    process.stdout.write(args.json
      ? `${JSON.stringify({ a: { ...result, verdicts: sweepVerdicts(result) }, b: { ...resultB, verdicts: sweepVerdicts(resultB) }, precision: args.precision })}\n`
      : `${renderSweepPair(result, resultB)}\n`);
    return EXIT.ok;
  }
  const outcomes = args.expect.map((e) => checkExpectation(result, e));
  const forecast = forecastOf(result, args.forecastLevel);
  if (old && before) {
    // Both sweeps side by side; --expect checks the current file's.
    const expectations = outcomes.map((o) => ({ expect: o.expectation.source, ok: o.ok, actual: o.actual, message: o.message }));
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ against: old.label, before: { ...before, verdicts: sweepVerdicts(before) }, after: { ...result, verdicts: sweepVerdicts(result), expectations }, precision: args.precision })}\n`);
    } else {
      process.stdout.write(`${renderSweepComparison(before, result, old.label)}\n`);
      if (outcomes.length > 0) process.stdout.write(`\n${outcomes.map((o) => `${o.ok ? 'ok  ' : 'FAIL'} ${o.message}`).join('\n')}\n`);
    }
  } else if (args.json) {
    process.stdout.write(`${JSON.stringify({ ...result, verdicts: sweepVerdicts(result), forecast: { ...forecast, verdict: forecastVerdict(forecast).text }, expectations: outcomes.map((o) => ({ expect: o.expectation.source, ok: o.ok, actual: o.actual, message: o.message })), precision: args.precision })}\n`);
  } else {
    process.stdout.write(`${renderSweep(result, forecast)}\n`);
    if (outcomes.length > 0) process.stdout.write(`\n${outcomes.map((o) => `${o.ok ? 'ok  ' : 'FAIL'} ${o.message}`).join('\n')}\n`);
  }
  const failed = outcomes.filter((o) => !o.ok);
  // Each unmet expectation is printed once: in the table's list, or on stderr when stdout is JSON.
  if (args.json) for (const o of failed) process.stderr.write(`icl-lens: expectation not met: ${o.message}\n`);
  else if (failed.length > 0) process.stderr.write(`icl-lens: ${failed.length} of ${outcomes.length} expectation${outcomes.length === 1 ? '' : 's'} not met\n`);
  return failed.length > 0 ? EXIT.expectation : EXIT.ok;
}

async function probe(args: ProbeArgs): Promise<void> {
  const text = readDocument(args.file);
  const structure = fewShotStructure(args.file, text, args.template);
  const rendered: { template?: string } = {};
  const report = await withRuntime({ ...args, model: args.model ?? BUILTIN_MODEL }, async (runtime, signal) => {
    try {
      return await runProbe(args.probe, text, structure, continuationScorer(runtime, signal, structure, args.template, rendered), {
        ...DEFAULT_PROBE_OPTIONS, permutations: args.permutations, shuffles: args.shuffles, seed: args.seed, toleranceBits: args.toleranceBits,
      });
    } catch (err) {
      if (err instanceof ProbeInputError) throw new CliError(EXIT.input, `${args.file}: ${err.message}`);
      throw err;
    }
  });
  // A chat says which template rendered it.
  const template = rendered.template !== undefined ? { template: rendered.template } : {};
  process.stdout.write(args.json
    ? `${JSON.stringify({ ...report, verdict: probeVerdict(report) ?? null, ...template, precision: args.precision })}\n`
    : `${rendered.template !== undefined ? `chat rendered by ${rendered.template}\n` : ''}${renderProbe(report)}\n`);
}

function probeVerdict(report: Awaited<ReturnType<typeof runProbe>>): Verdict | undefined {
  switch (report.probe) {
    case 'loo': return looVerdict(report);
    case 'order': return orderVerdict(report);
    case 'calibrate': return calibrationVerdict(report);
    case 'random-labels': return randomLabelsVerdict(report);
  }
}

async function main(argv: string[]): Promise<number> {
  try {
    const args = parseCliArgs(argv, process.env);
    switch (args.command) {
      case 'help': process.stdout.write(`${USAGE}\n`); return EXIT.ok;
      case 'version': process.stdout.write(`${readVersion()}\n`); return EXIT.ok;
      case 'heatmap': await heatmap(args); return EXIT.ok;
      case 'windtunnel': await windTunnel(args); return EXIT.ok;
      case 'sweep': return await sweep(args);
      case 'probe': await probe(args); return EXIT.ok;
      case 'compare': await compare(args); return EXIT.ok;
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`icl-lens: ${err.message}\n(run icl-lens --help for usage)\n`);
      return EXIT.usage;
    }
    if (err instanceof CliError) {
      process.stderr.write(`icl-lens: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`icl-lens: internal error: ${(err as Error).stack ?? err}\n`);
    // Not 1, which means an --expect was not met.
    return EXIT.internal;
  }
}

function readVersion(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

void main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
