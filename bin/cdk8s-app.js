#!/usr/bin/env node
'use strict';
// The cdk8s app (`app:` in cdk8s.yaml, run by `cdk8s synth`): the compiled src/main.ts,
// after checking that build/ is the build of this checkout's sources (bin/compiled.js).
const { load, BuildError } = require('./compiled');

try {
  load('src/main');
} catch (error) {
  if (!(error instanceof BuildError)) throw error;
  process.stderr.write(`cdk8s app: ${error.message}\n`);
  process.exit(1);
}
