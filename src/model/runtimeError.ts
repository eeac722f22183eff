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

/** How the worker's message starts when the model has no chat template and `auto` asked for it. */
export const NO_CHAT_TEMPLATE = 'This model has no chat template';

/** Whether `err` says the model has no chat template of its own (the editor then offers node-llama-cpp's wrappers). */
export function isNoChatTemplateError(err: unknown): boolean {
  return err instanceof RuntimeError && err.code === 'input' && err.message.startsWith(NO_CHAT_TEMPLATE);
}
