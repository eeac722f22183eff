/** Errors of the model runtime, with a category that survives the trip between processes. */
import type { RuntimeErrorCode } from './runtimeProtocol';

export class RuntimeError extends Error {
  constructor(readonly code: RuntimeErrorCode, message: string) {
    super(message);
    this.name = 'RuntimeError';
  }
}

/** Whether `err` is a cancellation, which callers treat as a normal outcome. */
export function isCancellation(err: unknown): boolean {
  return err instanceof RuntimeError && err.code === 'cancelled';
}
