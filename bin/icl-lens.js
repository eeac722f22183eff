#!/usr/bin/env node
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write('icl-lens: not built yet; run `npm run build` in the repository first\n');
  process.exit(1);
}
require(cli);
