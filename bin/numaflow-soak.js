#!/usr/bin/env node
'use strict';
// The `numaflow-soak` command: runs the compiled CLI (build/src/cli/main.js) after checking
// that build/ is the build of this checkout's sources (bin/compiled.js).
const { load, BuildError } = require('./compiled');

let main;
try {
  ({ main } = load('src/cli/main'));
} catch (error) {
  if (!(error instanceof BuildError)) throw error;
  process.stderr.write(`numaflow-soak: ${error.message}\n`);
  process.exit(1);
}
// A reader that goes away (`numaflow-soak report | head`) ends the command quietly, not with
// an unhandled EPIPE trace.
process.stdout.on('error', (error) => {
  if (error && error.code === 'EPIPE') process.exit(0);
  throw error;
});
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`numaflow-soak: ${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 1;
  },
);
