/** Parsing of the `icl-lens` command line (pure; the CLI maps errors to exit code 2). */
import type { Metric } from './analysis';

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
}

export type CliArgs = HeatmapArgs | { readonly command: 'help' } | { readonly command: 'version' };

export class UsageError extends Error {}

export const USAGE = `Usage: icl-lens heatmap <file> [options]

Colours every token of <file> by what a local GGUF model believed there.

Options:
  --model <path|hf:uri|url>   model to use (default: $ICL_LENS_MODEL)
  --metric entropy|surprisal  what the colours show (default: entropy)
  --top-k <n>                 alternatives kept per token, 1-50 (default: 10)
  --threads <n>               CPU threads, 0 = automatic (default: 0)
  --context <n>               largest context to create (default: 4096)
  --scorer auto|exact-map     statistics route (default: auto)
  --json                      print one JSON object instead of coloured text
  --color / --no-color        force colours on or off
  -h, --help                  show this help
  --version                   print the version

Exit codes: 0 ok, 2 usage, 3 model problem, 4 input problem.`;

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
  if (command !== 'heatmap') throw new UsageError(`unknown command "${command}" (expected: heatmap)`);
  const args = {
    command: 'heatmap' as const, file: '', model: env.ICL_LENS_MODEL || undefined, metric: 'entropy' as Metric, topK: 10,
    threads: 0, contextSize: 4096, json: false, color: undefined as boolean | undefined, scorer: 'auto' as 'auto' | 'exact-map',
  };
  const files: string[] = [];
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
      case '--json': args.json = true; break;
      case '--color': args.color = true; break;
      case '--no-color': args.color = false; break;
      default:
        if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
        files.push(a);
    }
  }
  if (files.length !== 1) throw new UsageError(files.length === 0 ? 'heatmap needs a file' : 'heatmap takes one file');
  if (!args.model) throw new UsageError('no model: pass --model <path|hf:uri> or set ICL_LENS_MODEL');
  return { ...args, file: files[0] };
}
