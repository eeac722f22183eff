/** The continuation view's HTML: its body in the shared webview shell (strict CSP, scripts only by nonce). */
import { webviewHtml, type WebviewHtmlInput } from './webviewHtml';

export type BranchViewHtmlInput = WebviewHtmlInput;

const BODY = `<header>
  <div>
    <h1>Continuation</h1>
    <p id="where" class="muted"></p>
  </div>
  <div class="actions" role="toolbar" aria-label="Continuation actions">
    <button id="insert" class="primary" title="Insert the continuation at the place (Ctrl+Enter)">Insert</button>
    <button id="back" title="Back to the continuation before this branch (Backspace)">Back</button>
    <button id="regenerate" title="Run again on the text as it is now">Regenerate</button>
    <button id="cancel" hidden>Cancel</button>
  </div>
</header>
<div id="progress" class="progress" hidden><progress id="progress-bar" aria-label="Generation progress"></progress><span id="progress-text"></span></div>
<p id="status" role="status" aria-live="polite"></p>
<p id="problem" class="problem" role="alert" hidden><span id="problem-text"></span> <button id="select-model" hidden>Select Model</button></p>
<section aria-labelledby="tokens-heading">
  <h2 id="tokens-heading" class="visually-hidden">Tokens</h2>
  <div id="tokens" class="tokens" role="listbox" aria-label="Continuation tokens: arrow keys move, Enter shows the alternatives" aria-orientation="horizontal" tabindex="-1"></div>
  <p id="footer" class="muted"></p>
</section>
<section id="alternatives-section" aria-labelledby="alternatives-heading" hidden>
  <h2 id="alternatives-heading"></h2>
  <div id="alternatives" class="alternatives" role="listbox" aria-labelledby="alternatives-heading"></div>
  <p class="muted hint">Pick an alternative to see where it leads (Enter). Escape returns to the tokens.</p>
</section>
<ul class="legend muted" aria-label="Colour legend">
  <li><span class="swatch band-0"></span>p ≥ 0.8</li>
  <li><span class="swatch band-1"></span>≥ 0.5</li>
  <li><span class="swatch band-2"></span>≥ 0.2</li>
  <li><span class="swatch band-3"></span>≥ 0.05</li>
  <li><span class="swatch band-4"></span>&lt; 0.05</li>
</ul>
`;

export function branchViewHtml(input: BranchViewHtmlInput): string {
  return webviewHtml(input, 'ICL Lens: Continuation', BODY);
}
