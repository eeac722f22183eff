/**
 * The first-run walkthrough as the manifest declares it: every step has media
 * that exists, every command it links to or completes on is contributed, and
 * the example it opens is the demo's prompt (the VSIX leaves demo/ out, so a
 * copy ships in media/walkthrough/).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../../support/fixtures';

interface Step { id: string; description: string; media: { markdown?: string; image?: string; svg?: string }; completionEvents?: string[] }
const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
const walkthroughs: Array<{ id: string; steps: Step[] }> = manifest.contributes.walkthroughs;
const contributed = new Set<string>(manifest.contributes.commands.map((c: { command: string }) => c.command));

/** The commands a step names: its `command:` links and its `onCommand:` completion events. */
function stepCommands(step: Step): string[] {
  const linked = [...step.description.matchAll(/\(command:([\w.]+)/g)].map((m) => m[1]);
  const completing = (step.completionEvents ?? []).filter((e) => e.startsWith('onCommand:')).map((e) => e.slice('onCommand:'.length));
  return [...linked, ...completing];
}

describe('the first-run walkthrough', () => {
  it('has the four steps: pick a model, open an example, read the heatmap, run a sweep', () => {
    assert.deepEqual(walkthroughs.map((w) => w.id), ['firstRun']);
    assert.deepEqual(walkthroughs[0].steps.map((s) => s.id), ['pickModel', 'openExample', 'readHeatmap', 'runSweep']);
  });

  for (const step of walkthroughs.flatMap((w) => w.steps)) {
    it(`step ${step.id}: a button, a completion event, media that exists, and only contributed commands`, () => {
      assert.match(step.description, /\]\(command:/, 'a command button');
      assert.ok((step.completionEvents ?? []).length > 0, 'a completion event');
      const media = step.media.markdown ?? step.media.svg ?? step.media.image;
      assert.ok(media && fs.existsSync(path.join(REPO_ROOT, media)), `media ${media}`);
      assert.ok(media.startsWith('media/'), 'media ships in the VSIX (media/ is not left out)');
      const commands = stepCommands(step);
      assert.ok(commands.length > 0);
      for (const c of commands) assert.ok(contributed.has(c), `${c} is contributed`);
    });
  }

  it('opens the demo\'s own few-shot prompt', () => {
    assert.equal(
      fs.readFileSync(path.join(REPO_ROOT, 'media/walkthrough/labels-sweep.icl.txt'), 'utf8'),
      fs.readFileSync(path.join(REPO_ROOT, 'demo/fewshot/labels-sweep.icl.txt'), 'utf8'),
      'media/walkthrough/labels-sweep.icl.txt is a copy of demo/fewshot/labels-sweep.icl.txt',
    );
  });
});
