/** Entry that VS Code's extension host calls with --extensionTestsPath: runs the mocha suite. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120_000, reporter: 'spec' });
  const dir = path.join(__dirname, 'suite');
  // extension.test.js first: it checks activation before any suite has started the model runtime.
  const first = 'extension.test.js';
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort((a, b) => Number(b === first) - Number(a === first) || (a < b ? -1 : a > b ? 1 : 0));
  for (const f of files) mocha.addFile(path.join(dir, f));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
  });
}
