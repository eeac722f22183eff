/** Entry that VS Code's extension host calls with --extensionTestsPath: runs the mocha suite. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120_000, reporter: 'spec' });
  const dir = path.join(__dirname, 'suite');
  // extension.test.js first: it checks the state right after activation (no model runtime yet), whatever suites sort before it.
  // ICL_LENS_SUITES=visibleFirst,extension runs only those suites (extension.test.js still first when named).
  const only = (process.env.ICL_LENS_SUITES ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.test.js') && (only.length === 0 || only.includes(f.replace(/\.test\.js$/, '')))).sort();
  for (const f of [...files.filter((f) => f === 'extension.test.js'), ...files.filter((f) => f !== 'extension.test.js')]) mocha.addFile(path.join(dir, f));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
  });
}
