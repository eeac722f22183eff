/**
 * Loads the optional native row-statistics addon (native/rowStats.cc), built per
 * platform by scripts/buildNative.mjs next to the worker bundle.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface RowStatsAddon {
  /** A handle for `rowStats`, or a string saying why the context cannot be read. */
  attach(addonContext: unknown, addonModel: unknown, contextSize: number): unknown;
  /** Writes [maxLogit, lnZ, entropyNats, lnpNext, rank, argmax, (id, logit)×k] into `out`; returns k. */
  rowStats(handle: unknown, batchIndex: number, nextToken: number, topK: number, out: Float64Array): number;
  /** Writes [entropyNats, ln p(ids[0]), ln p(ids[1]), …] into `out` (one pass over the row). */
  rowGather(handle: unknown, batchIndex: number, ids: Int32Array, out: Float64Array): void;
}

/** Where the addon for this platform lives, relative to the worker bundle. */
export function rowStatsAddonPath(bundleDir: string): string {
  return path.join(bundleDir, 'native', `rowStats-${process.platform}-${process.arch}.node`);
}

/** The addon, or the reason it is unavailable. */
export function loadRowStatsAddon(bundleDir: string): RowStatsAddon | string {
  const file = rowStatsAddonPath(bundleDir);
  if (!fs.existsSync(file)) return `no native row-statistics addon at ${file} (run npm run build:native)`;
  try {
    // A native module cannot be bundled: load it from its file at run time.
    const mod = require(file) as RowStatsAddon;
    if (typeof mod.attach !== 'function' || typeof mod.rowStats !== 'function') return `${file} is not the row-statistics addon`;
    if (typeof mod.rowGather !== 'function') return `${file} is an older build of the addon (run npm run build:native)`;
    return mod;
  } catch (err) {
    return `could not load ${file}: ${(err as Error).message}`;
  }
}
