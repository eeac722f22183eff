/**
 * Runs per document where the newest wins: starting a run aborts the one in
 * flight and any pending (debounced) start for the same key, and a run checks
 * that it is still the newest before it applies anything.
 */
import type * as vscode from 'vscode';

interface Slot {
  controller?: AbortController;
  timer?: NodeJS.Timeout;
}

export class LatestWins implements vscode.Disposable {
  private readonly slots = new Map<string, Slot>();

  /** Start a run for `key` now: the previous run and any pending start are cancelled. */
  begin(key: string): AbortController {
    const slot = this.slot(key);
    clearTimeout(slot.timer);
    slot.controller?.abort();
    slot.controller = new AbortController();
    return slot.controller;
  }

  /** Whether `controller` is still `key`'s newest run. */
  isCurrent(key: string, controller: AbortController): boolean {
    return this.slots.get(key)?.controller === controller;
  }

  /** `key`'s run `controller` is over (nothing happens if a newer run started). */
  end(key: string, controller: AbortController): void {
    const slot = this.slots.get(key);
    if (slot?.controller === controller) slot.controller = undefined;
  }

  /** Call `start` after `delayMs` unless `key` is scheduled or begun again first (debounce). */
  schedule(key: string, delayMs: number, start: () => void): void {
    const slot = this.slot(key);
    clearTimeout(slot.timer);
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      start();
    }, delayMs);
  }

  /** Abort `key`'s run in flight; a pending start stays. */
  abort(key: string): void {
    this.slots.get(key)?.controller?.abort();
  }

  /** Abort `key`'s run and drop its pending start. */
  cancel(key: string): void {
    const slot = this.slots.get(key);
    if (!slot) return;
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.controller?.abort();
  }

  /** Cancel `key` and forget it (its document closed). */
  forget(key: string): void {
    this.cancel(key);
    this.slots.delete(key);
  }

  dispose(): void {
    for (const key of [...this.slots.keys()]) this.forget(key);
  }

  private slot(key: string): Slot {
    let slot = this.slots.get(key);
    if (!slot) this.slots.set(key, (slot = {}));
    return slot;
  }
}
