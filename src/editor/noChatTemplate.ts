/**
 * Whether an analysis failed because the model has no chat template of its own
 * (under `iclLens.chat.template: auto`): the runtime refuses the chat with an
 * input error that says so (model/worker/chatRender.ts).
 */
import { RuntimeError } from '../model/runtimeError';

export function isNoChatTemplateError(err: unknown): boolean {
  return err instanceof RuntimeError && err.code === 'input' && /has no chat template/i.test(err.message);
}
