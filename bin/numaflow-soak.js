#!/usr/bin/env node
// The `numaflow-soak` command: runs the TypeScript CLI through tsx, no build step.
require('tsx/cjs');
const { main } = require('../src/cli/main.ts');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`numaflow-soak: ${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 1;
  },
);
