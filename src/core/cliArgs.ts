/** Parsing of the `icl-lens` command line (pure; the CLI maps errors to exit code 2). */
import type { Metric } from './analysis';
import { CHAT_WRAPPER_NAMES, type ChatTemplateChoice } from './chat/chatTypes';
import { parseExpectation, type Expectation } from './fewShot/expectations';
import { DEFAULT_FORECAST_LEVEL } from './fewShot/forecast';
import { PROBE_NAMES, type ProbeName } from './fewShot/probes';
import { FAST_PRECISION_BITS, PRECISIONS, type Precision } from './precision';
import { WIND_TUNNEL_TASKS, type WindTunnelTaskName } from './windTunnel/tasks';

export interface HeatmapArgs {
  readonly command: 'heatmap';
  readonly file: string;
  readonly model: string | undefined;
  readonly metric: Metric;
  readonly topK: number;
  readonly threads: number;
  readonly contextSize: number;
  readonly json: boolean;
  readonly color: boolean | undefined;
  readonly scorer: 'auto' | 'exact-map';
  /** `--precision`: exact (default) or fast (flash attention, F16 cache). */
  readonly precision: Precision;
  /** Compare with this file or git revision of the file (`--against`). */
  readonly against: string | undefined;
  /** How a chat file is rendered (`--template`; absent: auto, the model's own template). */
  readonly template?: ChatTemplateChoice;
}

export interface WindTunnelArgs {
  readonly command: 'windtunnel';
  readonly task: WindTunnelTaskName;
  readonly model: string | undefined;
  readonly sequences: number;
  readonly seed: number;
  readonly length: number | undefined;
  readonly alpha: number | undefined;
  readonly size: number | undefined;
  readonly threads: number;
  readonly contextSize: number;
  readonly precision: Precision;
  readonly json: boolean;
}

interface ModelOptions {
  readonly file: string;
  /** Effects within ± this many bits count as no measurable effect. */
  readonly toleranceBits: number;
  readonly model: string | undefined;
  readonly threads: number;
  readonly contextSize: number;
  readonly json: boolean;
  readonly scorer: 'auto' | 'exact-map';
  readonly precision: Precision;
  /** How a chat file is rendered (`--template`; absent: auto, the model's own template). */
  readonly template?: ChatTemplateChoice;
}

export interface SweepArgs extends ModelOptions {
  readonly command: 'sweep';
  readonly expect: readonly Expectation[];
  readonly leaveOneOut: boolean;
  /** The P(target) level whose k the scaling-law forecast names. */
  readonly forecastLevel: number;
  /** Sweep this file or git revision of the file too, side by side (`--against`). */
  readonly against: string | undefined;
  /** A second --model: the sweep runs under both, side by side. */
  readonly modelB?: string;
}

/** `compare <file> --model A --model B`: the prompt under two models (one --model: A is the default model). */
export interface CompareArgs {
  readonly command: 'compare';
  readonly file: string;
  readonly model: string | undefined;
  readonly modelB: string;
  readonly topK: number;
  readonly threads: number;
  readonly contextSize: number;
  readonly json: boolean;
  readonly scorer: 'auto' | 'exact-map';
  readonly precision: Precision;
}

export interface ProbeArgs extends ModelOptions {
  readonly command: 'probe';
  readonly probe: ProbeName;
  readonly permutations: number;
  readonly shuffles: number;
  readonly seed: number;
}

export type CliArgs = HeatmapArgs | WindTunnelArgs | SweepArgs | ProbeArgs | CompareArgs | { readonly command: 'help' } | { readonly command: 'version' };

export class UsageError extends Error {}

export const USAGE = `Usage: icl-lens heatmap <file> [--against <file|git-rev>] [--template <t>] [options]
       icl-lens sweep <file> [--against <file|git-rev>] [--expect "<metric><op><value>@k=<n>"]... [--template <t>] [options]
       icl-lens probe loo|order|calibrate|random-labels <file> [--template <t>] [options]
       icl-lens windtunnel --task coin|labels|bijection|format [options]
       icl-lens compare <file> --model A --model B [options]

heatmap colours every token of <file> by what a local GGUF model believed there.
windtunnel runs seeded sequences whose Bayes-optimal predictive is known and
reports KL(analytic || model) and the entropy error in bits, per position and
on average. sweep scores a few-shot prompt with k = 0..K of its examples (target
bits, candidate posterior, format mass, entropy at the answer, prequential bits,
leave-one-out); probe runs one probe on it. compare shows per token how far
two models' next-token distributions are apart: KL(A || B) in bits where they
share a vocabulary, else the surprisal difference over aligned spans; sweep
with two --model options runs the sweep under both.

Chat files (*.chat.json, *.chat.txt, *.prompty, or role-marked text: system: /
user: / assistant: sections) are rendered by the model's chat template, as an
instruct model receives them: heatmap shows the rendered prompt (template
tokens in brackets or dimmed) and maps content tokens back onto the file; sweep
and probe read the user/assistant pairs before the final user message as the
examples and that message as the query.

Options:
  --model <path|hf:uri|url>   model to use (default: $ICL_LENS_MODEL, else the
                              built-in wind-tunnel model); hf: and https:// are
                              downloaded once into $ICL_LENS_MODELS_DIR (default
                              ~/.cache/icl-lens/models); http:// only as typed
  --metric entropy|surprisal  what the colours show (default: entropy)
  --top-k <n>                 alternatives kept per token, 1-50 (default: 10)
  --threads <n>               CPU threads, 0 = automatic (default: 0)
  --context <n>               largest context to create (default: 4096)
  --scorer auto|exact-map     statistics route (default: auto)
  --precision exact|fast      exact (default): within 1e-3 bits of a float
                              reference; fast: flash attention and an F16
                              cache, faster on a CPU, within ~${FAST_PRECISION_BITS} bits
  --json                      print one JSON object instead of text
windtunnel:
  --task coin|labels|bijection|format  the task (required)
  --sequences <n>             sequences to run (default: 200)
  --seed <n>                  seed of the first sequence (default: 1)
  --length <n>                observations per sequence (coin 24, labels 16,
                              format 6 question-answer examples)
  --alpha <a>                 labels: P(shown label = hidden label), default 0.8;
                              format: P(an answer in the hidden format), 0.9
  --size <n>                  bijection: number of keys, 2-10 (default 6)
heatmap and sweep:
  --against <file|git-rev>    compare with another file, or with <file> at a git
                              revision (HEAD, HEAD~1, a branch, a commit); a
                              path that exists is a file (text prompts)
heatmap, sweep and probe on a chat file:
  --template <t>              how the messages are rendered: auto (the model's
                              own chat template, the default), raw (contents
                              joined by blank lines, no special tokens) or one of
                              node-llama-cpp's chat wrappers: ${CHAT_WRAPPER_NAMES.join(', ')}
sweep and probe:
  --tolerance <bits>          effects within +/- this many bits (leave-one-out,
                              order spread, shuffled labels) count as no
                              measurable effect (default: 0.1)
sweep:
  --expect <assertion>        e.g. "posterior.dsl>=0.9@k=4" or "targetBits<=2";
                              repeatable; exit code 1 when one is not met
  --no-loo                    skip leave-one-out
  --forecast-level <p>        the P(target) the scaling-law forecast aims at,
                              between 0 and 1 (default: 0.9)
probe:
  --permutations <n>          order: seeded permutations (default: 24)
  --shuffles <n>              random-labels: seeded shuffles (default: 8)
  --seed <n>                  seed of the permutations and shuffles (default: 1)
heatmap:
  --color / --no-color        force colours on or off
  -h, --help                  show this help
  --version                   print the version

Exit codes: 0 ok, 1 an --expect not met, 2 usage, 3 model problem (a download
that failed, a runtime that crashed or hung), 4 input problem, 70 internal error,
130 interrupted (Ctrl+C).`;

/** A `--precision` value. */
function precisionArg(raw: string): Precision {
  if (PRECISIONS.includes(raw as Precision)) return raw as Precision;
  throw new UsageError(`--precision must be exact or fast, not "${raw}"`);
}

function intArg(name: string, raw: string | undefined, min: number, max: number): number {
  if (raw === undefined || !/^\d+$/.test(raw)) throw new UsageError(`${name} needs a whole number`);
  const v = Number(raw);
  if (v < min || v > max) throw new UsageError(`${name} must be between ${min} and ${max}`);
  return v;
}

/** Parse `argv` (without node and the script). Throws UsageError on bad input. */
export function parseCliArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): CliArgs {
  if (argv.length === 0 || argv.includes('-h') || argv.includes('--help')) return { command: 'help' };
  if (argv[0] === '--version') return { command: 'version' };
  const [command, ...rest] = argv;
  if (command === 'windtunnel') return parseWindTunnel(rest, env);
  if (command === 'sweep' || command === 'probe') return parseFewShotCommand(command, rest, env);
  if (command === 'compare') return parseCompare(rest, env);
  if (command !== 'heatmap') throw new UsageError(`unknown command "${command}" (expected: heatmap, sweep, probe, windtunnel or compare)`);
  const args = {
    command: 'heatmap' as const, file: '', model: env.ICL_LENS_MODEL || undefined, metric: 'entropy' as Metric, topK: 10,
    threads: 0, contextSize: 4096, json: false, color: undefined as boolean | undefined, scorer: 'auto' as 'auto' | 'exact-map',
    precision: 'exact' as Precision, against: undefined as string | undefined,
  };
  const files: string[] = [];
  let template: ChatTemplateChoice | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--model': args.model = value(); break;
      case '--metric': {
        const m = value();
        if (m !== 'entropy' && m !== 'surprisal') throw new UsageError('--metric must be entropy or surprisal');
        args.metric = m;
        break;
      }
      case '--top-k': args.topK = intArg(a, value(), 1, 50); break;
      case '--threads': args.threads = intArg(a, value(), 0, 256); break;
      case '--context': args.contextSize = intArg(a, value(), 256, 1_048_576); break;
      case '--scorer': {
        const s = value();
        if (s !== 'auto' && s !== 'exact-map') throw new UsageError('--scorer must be auto or exact-map');
        args.scorer = s;
        break;
      }
      case '--precision': args.precision = precisionArg(value()); break;
      case '--json': args.json = true; break;
      case '--against': args.against = value(); break;
      case '--template': template = templateArg(value()); break;
      case '--color': args.color = true; break;
      case '--no-color': args.color = false; break;
      default:
        if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
        files.push(a);
    }
  }
  if (files.length !== 1) throw new UsageError(files.length === 0 ? 'heatmap needs a file' : 'heatmap takes one file');
  return { ...args, file: files[0], ...(template !== undefined ? { template } : {}) };
}

/** A `--template` value: auto, raw or a node-llama-cpp chat wrapper's name. */
function templateArg(raw: string): ChatTemplateChoice {
  if (raw === 'auto' || raw === 'raw' || CHAT_WRAPPER_NAMES.includes(raw)) return raw;
  const near = CHAT_WRAPPER_NAMES.find((n) => n.toLowerCase() === raw.toLowerCase());
  throw new UsageError(`--template must be auto, raw or one of ${CHAT_WRAPPER_NAMES.join(', ')}${near ? ` (did you mean ${near}?)` : `, not "${raw}"`}`);
}

function parseWindTunnel(rest: readonly string[], env: Readonly<Record<string, string | undefined>>): WindTunnelArgs {
  let task: WindTunnelTaskName | undefined;
  const args = {
    model: env.ICL_LENS_MODEL || undefined, sequences: 200, seed: 1, length: undefined as number | undefined,
    alpha: undefined as number | undefined, size: undefined as number | undefined, threads: 0, contextSize: 4096, json: false,
    precision: 'exact' as Precision,
  };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--task': {
        const t = value();
        if (!WIND_TUNNEL_TASKS.includes(t as WindTunnelTaskName)) throw new UsageError(`--task must be one of ${WIND_TUNNEL_TASKS.join(', ')}`);
        task = t as WindTunnelTaskName;
        break;
      }
      case '--model': args.model = value(); break;
      case '--sequences': args.sequences = intArg(a, value(), 1, 100_000); break;
      case '--seed': args.seed = intArg(a, value(), 0, 2 ** 31); break;
      case '--length': args.length = intArg(a, value(), 1, 4096); break;
      case '--size': args.size = intArg(a, value(), 2, 10); break;
      case '--alpha': {
        const v = Number(value());
        if (!(v > 0.5 && v < 1)) throw new UsageError('--alpha must be between 0.5 and 1 (exclusive)');
        args.alpha = v;
        break;
      }
      case '--threads': args.threads = intArg(a, value(), 0, 256); break;
      case '--context': args.contextSize = intArg(a, value(), 256, 1_048_576); break;
      case '--precision': args.precision = precisionArg(value()); break;
      case '--json': args.json = true; break;
      default: throw new UsageError(`unknown option ${a}`);
    }
  }
  if (!task) throw new UsageError(`windtunnel needs --task ${WIND_TUNNEL_TASKS.join('|')}`);
  return { command: 'windtunnel', task, ...args };
}

/** Walks an argument list; `value()` takes the option's value or names what is missing. */
class ArgCursor {
  private i = -1;
  constructor(private readonly args: readonly string[]) {}
  next(): string | undefined {
    return this.args[++this.i];
  }
  value(option: string): string {
    const v = this.args[++this.i];
    if (v === undefined) throw new UsageError(`${option} needs a value`);
    return v;
  }
}

/** The options every command that runs a model takes (`--model` collected in `models`); false when `a` is none of them. */
function modelOption(a: string, cursor: ArgCursor, args: { threads: number; contextSize: number; json: boolean; scorer: 'auto' | 'exact-map'; precision: Precision }, models: string[]): boolean {
  switch (a) {
    case '--model': models.push(cursor.value(a)); return true;
    case '--threads': args.threads = intArg(a, cursor.value(a), 0, 256); return true;
    case '--context': args.contextSize = intArg(a, cursor.value(a), 256, 1_048_576); return true;
    case '--json': args.json = true; return true;
    case '--precision': args.precision = precisionArg(cursor.value(a)); return true;
    case '--scorer': {
      const s = cursor.value(a);
      if (s !== 'auto' && s !== 'exact-map') throw new UsageError('--scorer must be auto or exact-map');
      args.scorer = s;
      return true;
    }
    default: return false;
  }
}

function parseFewShotCommand(command: 'sweep' | 'probe', rest: readonly string[], env: Readonly<Record<string, string | undefined>>): SweepArgs | ProbeArgs {
  const args = {
    model: env.ICL_LENS_MODEL || undefined, threads: 0, contextSize: 4096, json: false, scorer: 'auto' as 'auto' | 'exact-map',
    precision: 'exact' as Precision, toleranceBits: 0.1, expect: [] as Expectation[], leaveOneOut: true, forecastLevel: DEFAULT_FORECAST_LEVEL, permutations: 24, shuffles: 8, seed: 1,
    against: undefined as string | undefined,
  };
  let template: ChatTemplateChoice | undefined;
  const positional: string[] = [];
  const models: string[] = [];
  const cursor = new ArgCursor(rest);
  for (let a = cursor.next(); a !== undefined; a = cursor.next()) {
    if (modelOption(a, cursor, args, models)) continue;
    switch (a) {
      case '--expect':
        if (command !== 'sweep') throw new UsageError('--expect belongs to sweep');
        try {
          args.expect.push(parseExpectation(cursor.value(a)));
        } catch (err) {
          if (err instanceof UsageError) throw err;
          throw new UsageError((err as Error).message);
        }
        break;
      case '--no-loo': args.leaveOneOut = false; break;
      case '--forecast-level': {
        if (command !== 'sweep') throw new UsageError('--forecast-level belongs to sweep');
        const raw = cursor.value(a);
        const v = Number(raw);
        if (raw.trim() === '' || !Number.isFinite(v) || v <= 0 || v >= 1) throw new UsageError('--forecast-level must be a probability strictly between 0 and 1');
        args.forecastLevel = v;
        break;
      }
      case '--against':
        if (command !== 'sweep') throw new UsageError('--against belongs to heatmap and sweep');
        args.against = cursor.value(a);
        break;
      case '--tolerance': {
        const raw = cursor.value(a);
        const v = Number(raw);
        if (raw.trim() === '' || !Number.isFinite(v) || v < 0 || v > 100) throw new UsageError('--tolerance must be a number of bits between 0 and 100');
        args.toleranceBits = v;
        break;
      }
      case '--permutations': args.permutations = intArg(a, cursor.value(a), 1, 10_000); break;
      case '--shuffles': args.shuffles = intArg(a, cursor.value(a), 1, 10_000); break;
      case '--seed': args.seed = intArg(a, cursor.value(a), 0, 2 ** 31); break;
      case '--template': template = templateArg(cursor.value(a)); break;
      default:
        if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
        positional.push(a);
    }
  }
  if (models.length > (command === 'sweep' ? 2 : 1)) throw new UsageError(command === 'sweep' ? 'sweep takes at most two --model options' : 'probe takes one --model');
  if (models.length === 2 && args.expect.length > 0) throw new UsageError('--expect checks one model; drop the second --model');
  if (models.length === 2 && args.against !== undefined) throw new UsageError('--against compares two versions under one model; drop the second --model');
  if (models.length > 0) args.model = models[0];
  const { expect, leaveOneOut, forecastLevel, permutations, shuffles, seed, against, ...options } = args;
  const common = { ...options, ...(template !== undefined ? { template } : {}) };
  if (command === 'sweep') {
    if (positional.length !== 1) throw new UsageError(positional.length === 0 ? 'sweep needs a file' : 'sweep takes one file');
    return { command, ...common, file: positional[0], expect, leaveOneOut, forecastLevel, against, ...(models.length === 2 ? { modelB: models[1] } : {}) };
  }
  const [probe, file, ...extra] = positional;
  if (!PROBE_NAMES.includes(probe as ProbeName)) throw new UsageError(`probe needs one of ${PROBE_NAMES.join(', ')}${probe ? `, not "${probe}"` : ''}`);
  if (file === undefined || extra.length > 0) throw new UsageError('probe takes one file');
  return { command, ...common, file, probe: probe as ProbeName, permutations, shuffles, seed };
}

function parseCompare(rest: readonly string[], env: Readonly<Record<string, string | undefined>>): CompareArgs {
  const args = { topK: 10, threads: 0, contextSize: 4096, json: false, scorer: 'auto' as 'auto' | 'exact-map', precision: 'exact' as Precision };
  const models: string[] = [];
  const files: string[] = [];
  const cursor = new ArgCursor(rest);
  for (let a = cursor.next(); a !== undefined; a = cursor.next()) {
    if (modelOption(a, cursor, args, models)) continue;
    switch (a) {
      case '--top-k': args.topK = intArg(a, cursor.value(a), 1, 50); break;
      default:
        if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
        files.push(a);
    }
  }
  if (files.length !== 1) throw new UsageError(files.length === 0 ? 'compare needs a file' : 'compare takes one file');
  if (models.length === 0 || models.length > 2) throw new UsageError('compare needs --model A --model B (or one --model, compared with the default model)');
  const [model, modelB] = models.length === 2 ? [models[0], models[1]] : [env.ICL_LENS_MODEL || undefined, models[0]];
  return { command: 'compare', file: files[0], model, modelB, ...args };
}
