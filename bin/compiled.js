'use strict';
/**
 * The compiled build the command line and the cdk8s app run (build/, from `npm run build`,
 * which `npm ci` runs through `prepare`), and the check that it is the build of the sources
 * in this checkout.
 *
 * `npm run build` runs this file with `--build`: it hashes (SHA-256) every source the build
 * depends on (src/**\/*.ts and the two tsconfig files), removes the old stamp, compiles src/
 * with tsconfig.build.json (incremental) and, only if tsc succeeds, records those hashes in
 * build/.sources.json. A failed compile leaves no stamp, so its output is never run.
 * Before running anything from build/, `load()` hashes the same files again (about 5 ms for
 * src/) and refuses, with the command that fixes it, a build that is missing or was made
 * from other sources, so nothing ever runs code
 * older than what the checkout holds. Content hashes, not times: a `git checkout` that
 * touches files without changing them does not call for a rebuild.
 *
 * NUMAFLOW_SOAK_FROM_SOURCE=1 runs src/ through tsx instead (no build; slower start-up).
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const BUILD = path.join(ROOT, 'build');
const STAMP = path.join(BUILD, '.sources.json');
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json'];

/** The sources the build is made from, as paths relative to the root, sorted. */
function sources() {
  const files = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (entry.isFile() && entry.name.endsWith('.ts')) files.push(rel);
    }
  };
  walk('src');
  return [...files, ...CONFIGS].sort();
}

/** { relative path: sha256 hex } of every source. */
function hashes() {
  const out = {};
  for (const file of sources()) out[file] = crypto.createHash('sha256').update(fs.readFileSync(path.join(ROOT, file))).digest('hex');
  return out;
}

/** One digest for the whole source set (what a cache of build output is keyed by). */
function digestOf(files) {
  const h = crypto.createHash('sha256');
  for (const [file, sum] of Object.entries(files)) h.update(`${file}\0${sum}\n`);
  return h.digest('hex');
}

class BuildError extends Error {}

/** Why build/ cannot be run, or undefined when it is the build of these sources. */
function problem() {
  const fix = 'run `npm run build` (npm ci runs it), or set NUMAFLOW_SOAK_FROM_SOURCE=1 to run the TypeScript sources';
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(STAMP, 'utf8'));
  } catch (error) {
    if (error && error.code === 'ENOENT') return `the compiled build is missing (${path.relative(process.cwd(), STAMP) || STAMP} not found): ${fix}`;
    return `the compiled build's stamp ${STAMP} cannot be read (${error && error.message}): ${fix}`;
  }
  const now = hashes();
  const built = stamp && typeof stamp.files === 'object' && stamp.files !== null ? stamp.files : {};
  const changed = [];
  for (const file of Object.keys(now)) if (built[file] !== now[file]) changed.push(built[file] === undefined ? `${file} (new)` : file);
  for (const file of Object.keys(built)) if (now[file] === undefined) changed.push(`${file} (deleted)`);
  if (changed.length === 0) return undefined;
  const shown = changed.slice(0, 3).join(', ') + (changed.length > 3 ? ` and ${changed.length - 3} more` : '');
  return `the compiled build in build/ is out of date: ${shown} changed since it was built; ${fix}`;
}

/**
 * The module `build/<relative>.js` of a build checked against the sources, or, with
 * NUMAFLOW_SOAK_FROM_SOURCE=1, `<relative>.ts` through tsx. Throws BuildError (message only,
 * no stack trace wanted) when the build cannot be used.
 */
function load(relative) {
  const fromSource = process.env.NUMAFLOW_SOAK_FROM_SOURCE;
  if (fromSource === '1' || fromSource === 'true') {
    require('tsx/cjs');
    return require(path.join(ROOT, `${relative}.ts`));
  }
  const why = problem();
  if (why !== undefined) throw new BuildError(why);
  // Node 22.1 and newer keep V8's compiled code of the modules loaded from here on (ours and
  // node_modules') on disk, checked against each file's content (build/.compile-cache/): on
  // Node 24 here `report` took a median 0.55 s against 0.59 s without it, over 5 paired runs.
  // Node 20 has no such cache; nothing changes there.
  const { enableCompileCache } = require('node:module');
  if (typeof enableCompileCache === 'function') enableCompileCache(path.join(BUILD, '.compile-cache'));
  return require(path.join(BUILD, `${relative}.js`));
}

/** `node bin/compiled.js --build`: what `npm run build` runs. Returns the exit code. */
function build() {
  const files = hashes(); // before compiling: an edit during the build makes the stamp stale
  fs.rmSync(STAMP, { force: true });
  const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  const result = require('node:child_process').spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    process.stderr.write(`npm run build: tsc failed (exit ${result.status}); build/ has no stamp, so nothing runs it until a build succeeds\n`);
    return result.status || 1;
  }
  const text = `${JSON.stringify({ digest: digestOf(files), files }, null, 2)}\n`;
  const tmp = `${STAMP}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, STAMP);
  return 0;
}

/**
 * Builds unless build/ already is the build of these sources (jest's globalSetup, so tests
 * that run bin/ as a process run what they test). Concurrent callers (two jest runs) take
 * turns through a lock directory; returns the exit code of the build, 0 if none was needed.
 */
function ensureBuilt() {
  if (problem() === undefined) return 0;
  fs.mkdirSync(BUILD, { recursive: true });
  const lock = path.join(BUILD, '.lock');
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (error) {
      if (!error || error.code !== 'EEXIST') throw error;
      // A lock older than the deadline is left by a killed build.
      const age = Date.now() - fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
      if (age > 300_000 || Date.now() > deadline) fs.rmSync(lock, { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    return problem() === undefined ? 0 : build();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

module.exports = { load, problem, ensureBuilt, BuildError, STAMP };

if (require.main === module) {
  if (process.argv[2] !== '--build' || process.argv.length !== 3) {
    process.stderr.write('usage: node bin/compiled.js --build   (what npm run build runs)\n');
    process.exitCode = 2;
  } else {
    process.exitCode = build();
  }
}
