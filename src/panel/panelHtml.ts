/** The panel's HTML: its body in the shared webview shell (strict CSP, scripts only by nonce). */
import { webviewHtml, type WebviewHtmlInput } from './webviewHtml';

export type PanelHtmlInput = WebviewHtmlInput;

const BODY = `<header>
  <h1>ICL Lens</h1>
  <vscode-button id="analyze" appearance="secondary">Analyze active prompt</vscode-button>
</header>
<p id="summary" class="muted">Open a prompt and run “ICL Lens: Analyze Prompt”.</p>
<p id="document-notice" role="status" hidden></p>
<div id="heatmap-legend" class="heatmap-legend" role="group" hidden></div>
<div class="chart"><canvas id="tokens" role="img" aria-label="Entropy and surprisal per token"></canvas></div>
<section id="wind-tunnel" hidden>
  <h2>Bayesian wind tunnel</h2>
  <p id="wind-tunnel-summary"></p>
  <div class="chart"><canvas id="wind-tunnel-chart" role="img" aria-label="Wind-tunnel error per position"></canvas></div>
</section>
<section id="few-shot" hidden aria-labelledby="few-shot-heading">
  <h2 id="few-shot-heading">Few-shot posterior</h2>
  <p id="few-shot-summary"></p>
  <p id="few-shot-forecast" class="few-shot-verdict" role="status" hidden></p>
  <p id="few-shot-stale" class="few-shot-stale" role="status" hidden>
    <span>Out of date: the prompt changed since this sweep.</span>
    <vscode-button id="few-shot-rerun" appearance="secondary">Re-run</vscode-button>
  </p>
  <details id="few-shot-details" class="few-shot-details">
    <summary>Evaluation cost (KV-cache reuse)</summary>
    <p id="few-shot-cost" class="muted"></p>
  </details>
  <div id="few-shot-progress" class="few-shot-progress" hidden>
    <progress id="few-shot-progress-bar" aria-label="Few-shot run progress"></progress>
    <span id="few-shot-progress-text"></span>
    <vscode-button id="few-shot-cancel" appearance="secondary">Cancel</vscode-button>
  </div>
  <p id="few-shot-problem" class="few-shot-problem" role="status" hidden></p>
  <div class="few-shot-actions" role="group" aria-label="Few-shot actions">
    <vscode-button id="few-shot-sweep">Sweep</vscode-button>
    <vscode-button data-probe="loo" appearance="secondary">Leave-one-out</vscode-button>
    <vscode-button data-probe="order" appearance="secondary">Order sensitivity</vscode-button>
    <vscode-button data-probe="calibrate" appearance="secondary">Calibrate</vscode-button>
    <vscode-button data-probe="random-labels" appearance="secondary">Random labels</vscode-button>
    <vscode-button data-export="json" appearance="secondary">Export JSON</vscode-button>
    <vscode-button data-export="csv" appearance="secondary">Export CSV</vscode-button>
  </div>
  <div id="few-shot-charts" class="few-shot-charts"></div>
</section>
`;

export function panelHtml(input: PanelHtmlInput): string {
  return webviewHtml(input, 'ICL Lens', BODY);
}
