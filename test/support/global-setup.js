'use strict';
// jest globalSetup: the tests that run bin/numaflow-soak.js or the cdk8s app as processes run
// the compiled build, so bring build/ up to date with src/ first (bin/compiled.js; a no-op
// costing a hash of src/ when it already is). A failed compile is reported and the run goes
// on: the in-process tests still say what is wrong, and every process test fails naming
// the stale build.
const { ensureBuilt } = require('../../bin/compiled');

module.exports = function globalSetup() {
  const code = ensureBuilt();
  if (code !== 0) process.stderr.write(`\njest globalSetup: npm run build failed (exit ${code}); the tests that run bin/ will fail with "out of date"\n`);
};
