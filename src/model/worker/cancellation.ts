/** The one way the worker's algorithms stop when their request is cancelled. */
import { RuntimeError } from '../runtimeError';

/** Throws the `cancelled` error when `signal` has aborted: cancellation is a normal outcome, not a failure. */
export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new RuntimeError('cancelled', 'Cancelled.');
}
