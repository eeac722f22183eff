/**
 * What a person sees, in a real VS Code (code-server in headless Chromium) with
 * the packaged VSIX installed: the heatmap on a demo prompt, a hover, a command
 * from the palette and the panel's chart. Screenshots of each step go to
 * test-results/. Run `npm run package` first (the VSIX is the artifact users get).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { modelFile, REPO_ROOT } from '../support/fixtures';

const { launchBrowser, startCodeServer } = require(path.join(REPO_ROOT, 'test', 'vscode', 'codeServer.js'));

const RESULTS = path.join(REPO_ROOT, 'test-results');
const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
const VSIX = process.env.ICL_LENS_VSIX ?? path.join(REPO_ROOT, `${pkg.name}-${process.platform}-${process.arch}-${pkg.version}.vsix`);

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(RESULTS, `${name}.png`) });
}

/** The centre of `word`'s first occurrence in the editor's rendered lines. */
async function wordCentre(page: Page, word: string): Promise<{ x: number; y: number }> {
  const box = await page.evaluate((w) => {
    const walker = document.createTreeWalker(document.querySelector('.editor-instance .view-lines')!, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent ?? '';
      const at = text.indexOf(w);
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(n, at);
      range.setEnd(n, at + w.length);
      const r = range.getBoundingClientRect();
      return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
    }
    return null;
  }, word);
  assert.ok(box, `"${word}" is on screen`);
  return box;
}

async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').waitFor({ state: 'visible' });
  await page.keyboard.type(title);
  await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
}

describe('UI tour with the packaged VSIX', { timeout: 300_000 }, () => {
  let server: { url: () => string; stop: () => void; scratch: string };
  let browser: BrowserContext;
  let page: Page;

  before(async () => {
    assert.ok(fs.existsSync(VSIX), `${VSIX} exists (run npm run package)`);
    fs.mkdirSync(RESULTS, { recursive: true });
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'icl-lens-ui-workspace-'));
    fs.cpSync(path.join(REPO_ROOT, 'demo'), workspace, { recursive: true });
    server = await startCodeServer({ workspace, vsix: [VSIX], settings: { 'iclLens.model.path': modelFile('tiny'), 'workbench.colorTheme': 'Default Dark Modern' } });
    browser = await launchBrowser(server.scratch);
    page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(server.url());
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    server?.stop();
  });

  it('paints the heatmap on a demo prompt', async () => {
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').waitFor({ state: 'visible' });
    await page.keyboard.type('sentiment.prompt');
    await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
    await page.locator('.editor-instance .view-lines .view-line').first().waitFor({ state: 'visible' });
    // Decorations with a background are overlay elements; count the coloured ones.
    const coloured = async () => page.evaluate(() => [...document.querySelectorAll('.editor-instance .view-overlays .cdr')]
      .filter((e) => !/rgba\(0, 0, 0, 0\)|transparent/.test(getComputedStyle(e).backgroundColor)).length);
    const until = Date.now() + 90_000;
    while ((await coloured()) < 20 && Date.now() < until) await page.waitForTimeout(250);
    const count = await coloured();
    await shot(page, '01-heatmap');
    assert.ok(count >= 20, `${count} coloured token backgrounds`);
    await page.locator('.statusbar-item', { hasText: 'ppl' }).first().waitFor({ state: 'visible', timeout: 30_000 });
  });

  it('shows a hover with the token numbers and alternatives', async () => {
    const { x, y } = await wordCentre(page, 'superb');
    await page.mouse.move(x - 40, y);
    await page.mouse.move(x, y, { steps: 5 });
    const hover = page.locator('.monaco-hover:not(.hidden) .hover-contents', { hasText: 'ICL Lens' }).first();
    await hover.waitFor({ state: 'visible', timeout: 20_000 });
    const text = await hover.innerText();
    await shot(page, '02-hover');
    assert.match(text, /surprisal/);
    assert.match(text, /entropy/);
    assert.match(text, /rank/);
    assert.match(text, /Top 10 for this slot/);
    await page.mouse.move(5, 5);
  });

  it('runs What Comes Next? from the command palette', async () => {
    await page.locator('.editor-instance .view-lines').first().click();
    await page.keyboard.press('Control+End');
    await runCommand(page, 'ICL Lens: What Comes Next');
    const title = page.locator('.quick-input-title', { hasText: 'What comes next' });
    await title.waitFor({ state: 'visible', timeout: 30_000 });
    const rows = await page.locator('.quick-input-list .monaco-list-row').count();
    await shot(page, '03-what-comes-next');
    // The list is virtualised: the rows on screen, not all ten, are in the DOM.
    assert.ok(rows >= 5, `${rows} rows`);
    assert.match(await page.locator('.quick-input-list .monaco-list-row').first().innerText(), /p \d/);
    await page.keyboard.press('Escape');
  });

  it('opens the panel and paints its chart', async () => {
    await runCommand(page, 'ICL Lens: Show Panel');
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    const canvas = frame.locator('canvas#tokens');
    await canvas.waitFor({ state: 'visible', timeout: 30_000 });
    const painted = async () => canvas.evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      return n;
    });
    const until = Date.now() + 30_000;
    while ((await painted()) < 1000 && Date.now() < until) await page.waitForTimeout(250);
    await shot(page, '04-panel');
    await canvas.screenshot({ path: path.join(RESULTS, '05-panel-chart.png') });
    assert.ok((await painted()) >= 1000, 'the chart has pixels');
    assert.match(await frame.locator('#summary').innerText(), /perplexity/);
  });
});
