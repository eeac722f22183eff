/**
 * ICL Lens settings, parsed from raw configuration values with defaults and
 * clamping. Pure: the editor passes a getter over `vscode.workspace.getConfiguration`.
 */
import type { Metric } from './analysis';
import { CHAT_WRAPPER_NAMES, type ChatTemplateChoice } from './chat/chatTypes';
import { PRECISIONS, type Precision } from './precision';
import { compileSafeRegex } from './safeRegex';

export interface Settings {
  readonly modelPath: string;
  readonly threads: number;
  readonly maxContextSize: number;
  readonly gpu: 'auto' | 'cpu';
  /** `exact` (default) or `fast` (flash attention on, F16 KV cache; src/core/precision.ts). */
  readonly precision: Precision;
  readonly metric: Metric;
  readonly heatmapEnabled: boolean;
  /** Colour texts the model reads no better than uniform guessing (off: a warning instead of colours that mean nothing). */
  readonly colorUnreadableText: boolean;
  readonly scaleMaxBits: number;
  readonly hoverTopK: number;
  readonly autoAnalyze: readonly string[];
  readonly debounceMs: number;
  readonly maxFileBytes: number;
  /** Greedy tokens a continuation generates (Continue From Here). */
  readonly continuationTokens: number;
  /** How chat files are rendered for the model: `auto` (its own template), `raw`, or a node-llama-cpp wrapper name. */
  readonly chatTemplate: ChatTemplateChoice;
  readonly fewShot: FewShotSettings;
}

/** Workspace defaults of the few-shot sweep and probes (front matter overrides the first three). */
export interface FewShotSettings {
  readonly contentFreeInput: string;
  /** Empty when unset or refused (see {@link FewShotSettings.formatClassProblem}). */
  readonly formatClass: string;
  /** Why the configured `formatClass` was refused (invalid, or could backtrack catastrophically); absent when it was not. */
  readonly formatClassProblem?: string;
  readonly lengthNormalize: boolean;
  readonly leaveOneOut: boolean;
  readonly orderPermutations: number;
  readonly randomLabelShuffles: number;
  readonly seed: number;
  /** Effects (leave-one-out, order, shuffled labels) within ± this many bits count as no measurable effect. */
  readonly toleranceBits: number;
  /** The P(target) level the scaling-law forecast names a k for. */
  readonly forecastLevel: number;
  readonly autoRerun: boolean;
}

export const DEFAULT_SETTINGS: Settings = {
  modelPath: '',
  threads: 0,
  maxContextSize: 4096,
  gpu: 'auto',
  precision: 'exact',
  metric: 'entropy',
  heatmapEnabled: true,
  colorUnreadableText: false,
  scaleMaxBits: 10,
  hoverTopK: 10,
  autoAnalyze: ['**/*.prompt', '**/*.prompt.md', '**/*.icl.txt', '**/*.chat.json', '**/*.chat.txt', '**/*.prompty'],
  debounceMs: 400,
  maxFileBytes: 1_000_000,
  continuationTokens: 16,
  chatTemplate: 'auto',
  fewShot: {
    contentFreeInput: 'N/A',
    formatClass: '',
    lengthNormalize: false,
    leaveOneOut: true,
    orderPermutations: 24,
    randomLabelShuffles: 8,
    seed: 1,
    toleranceBits: 0.1,
    forecastLevel: 0.9,
    autoRerun: true,
  },
};

/** Reads a raw setting by its key under `iclLens.` (undefined when unset). */
export type SettingGetter = (key: string) => unknown;

function int(v: unknown, def: number, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return def;
  return Math.min(max, Math.max(min, Math.round(v)));
}

function num(v: unknown, def: number, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return def;
  return Math.min(max, Math.max(min, v));
}

function oneOf<T extends string>(v: unknown, options: readonly T[], def: T): T {
  return options.includes(v as T) ? (v as T) : def;
}

/** Settings from raw values: unknown or out-of-range values fall back or are clamped. */
export function parseSettings(get: SettingGetter): Settings {
  const d = DEFAULT_SETTINGS;
  const globs = get('autoAnalyze');
  return {
    modelPath: typeof get('model.path') === 'string' ? (get('model.path') as string).trim() : d.modelPath,
    threads: int(get('model.threads'), d.threads, 0, 256),
    maxContextSize: int(get('model.contextSize'), d.maxContextSize, 256, 1_048_576),
    gpu: oneOf(get('model.gpu'), ['auto', 'cpu'] as const, d.gpu),
    precision: oneOf(get('evaluation.precision'), PRECISIONS, d.precision),
    metric: oneOf(get('heatmap.metric'), ['entropy', 'surprisal'] as const, d.metric),
    heatmapEnabled: typeof get('heatmap.enabled') === 'boolean' ? (get('heatmap.enabled') as boolean) : d.heatmapEnabled,
    colorUnreadableText: typeof get('heatmap.colorUnreadableText') === 'boolean' ? (get('heatmap.colorUnreadableText') as boolean) : d.colorUnreadableText,
    scaleMaxBits: num(get('heatmap.scaleMaxBits'), d.scaleMaxBits, 1, 64),
    hoverTopK: int(get('hover.topK'), d.hoverTopK, 1, 50),
    autoAnalyze: Array.isArray(globs) ? globs.filter((g): g is string => typeof g === 'string' && g.length > 0) : d.autoAnalyze,
    debounceMs: int(get('analysis.debounceMs'), d.debounceMs, 0, 10_000),
    maxFileBytes: int(get('analysis.maxFileBytes'), d.maxFileBytes, 1_000, 100_000_000),
    continuationTokens: int(get('continuation.maxTokens'), d.continuationTokens, 1, 256),
    chatTemplate: oneOf(get('chat.template'), ['auto', 'raw', ...CHAT_WRAPPER_NAMES], d.chatTemplate),
    fewShot: parseFewShotSettings(get, d.fewShot),
  };
}

function parseFewShotSettings(get: SettingGetter, d: FewShotSettings): FewShotSettings {
  const str = (v: unknown, def: string) => (typeof v === 'string' ? v : def);
  const bool = (v: unknown, def: boolean) => (typeof v === 'boolean' ? v : def);
  const contentFree = str(get('fewShot.contentFreeInput'), d.contentFreeInput).trim();
  const formatClass = str(get('fewShot.formatClass'), d.formatClass);
  // The pattern runs over every token text of the vocabulary: one that can backtrack catastrophically is dropped.
  const formatClassProblem = formatClass.length > 0 ? compileSafeRegex(formatClass).error : undefined;
  return {
    contentFreeInput: contentFree.length > 0 ? contentFree : d.contentFreeInput,
    formatClass: formatClassProblem === undefined ? formatClass : d.formatClass,
    ...(formatClassProblem !== undefined ? { formatClassProblem: `iclLens.fewShot.formatClass ${formatClassProblem}` } : {}),
    lengthNormalize: bool(get('fewShot.lengthNormalize'), d.lengthNormalize),
    leaveOneOut: bool(get('fewShot.leaveOneOut'), d.leaveOneOut),
    orderPermutations: int(get('fewShot.orderPermutations'), d.orderPermutations, 2, 1000),
    randomLabelShuffles: int(get('fewShot.randomLabelShuffles'), d.randomLabelShuffles, 1, 200),
    seed: int(get('fewShot.seed'), d.seed, 0, 2 ** 31),
    // Renamed from exchangeabilityToleranceBits (deprecated, no default): a value set under the old name still counts.
    toleranceBits: num(get('fewShot.exchangeabilityToleranceBits') ?? get('fewShot.toleranceBits'), d.toleranceBits, 0, 100),
    forecastLevel: num(get('fewShot.forecastLevel'), d.forecastLevel, 0.001, 0.999),
    autoRerun: bool(get('fewShot.autoRerun'), d.autoRerun),
  };
}
