/**
 * A problem the user fixes in the editor, not in the model runtime: no prompt
 * open, nothing to export yet, a prompt without a few-shot structure, a chart
 * that did not arrive as an image. Shown like any failure, without the "Select
 * Model" action; the runtime's own errors stay `RuntimeError`.
 */
export class UserError extends Error {}
