'use strict';
/**
 * Preloaded (`node -r test/support/kill-at.cjs`) by tests that kill a command at an exact
 * point: on the KILL_AT_CALL-th call of `fs.<KILL_AT_FUNCTION>` whose first argument lies
 * under KILL_AT_UNDER, the process sends itself a real SIGKILL before the call runs. Nothing
 * after that point executes (no catch, no finally, no exit handler), as when the machine or
 * a user kills it there. Other calls (module loading, caches) are not counted.
 */
const fs = require('node:fs');
const path = require('node:path');

const name = process.env.KILL_AT_FUNCTION;
const nth = Number(process.env.KILL_AT_CALL);
const under = path.resolve(process.env.KILL_AT_UNDER || '/');
if (!name || typeof fs[name] !== 'function' || !(nth >= 1)) {
  throw new Error(`kill-at.cjs: set KILL_AT_FUNCTION to an fs function and KILL_AT_CALL to a count (got ${name} ${process.env.KILL_AT_CALL})`);
}
const original = fs[name];
let calls = 0;
fs[name] = function killAt(...args) {
  const first = args[0];
  if (typeof first === 'string' && path.resolve(first).startsWith(under + path.sep) && ++calls === nth) {
    process.kill(process.pid, 'SIGKILL');
  }
  return original.apply(this, args);
};
