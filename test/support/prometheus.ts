/**
 * A real Prometheus for tests and benchmarks: backfills OpenMetrics text with
 * `promtool tsdb create-blocks-from openmetrics`, starts `prometheus` on a free local port
 * over that TSDB (no scrape targets), waits for `/-/ready`, and stops it again.
 *
 * Needs `prometheus` and `promtool` on PATH, at a version scripts/system-tools.ts accepts
 * (2.42.0 or newer: Debian 12's package, Ubuntu 24.04's 2.45.3); `npm test`, `.ci/run` and the
 * pull-request workflow make sure of them first (scripts/ensure-test-tools.ts). A missing
 * binary is an error naming it, never a silent skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RawSeries, SoakDataset } from '../../src/recommend/dataset';
import { writeOpenMetrics } from '../../src/recommend/openmetrics';

export interface StartPrometheusOptions {
  /** OpenMetrics text to backfill (one file, or several covering different time ranges). */
  readonly openMetricsFile?: string | readonly string[];
  /**
   * Datasets to write as OpenMetrics (writeOpenMetrics) and backfill, in 2-hour chunks.
   * Several datasets may share one server only if their series do not overlap in time
   * (the generated datasets use the same names: give them different `start`s).
   */
  readonly dataset?: SoakDataset | readonly SoakDataset[];
  /**
   * A directory holding a TSDB that was backfilled before (see `backfill`): it is copied
   * and served, nothing is backfilled. The copy keeps the cached blocks untouched by the
   * server's compaction and WAL.
   */
  readonly tsdb?: string;
  /**
   * With `dataset`: take each dataset's blocks from the shared TSDB cache (`cachedTsdb`),
   * backfilling only a dataset no test file has backfilled before (default true); false
   * backfills into the server's own directory.
   */
  readonly cache?: boolean;
  /** Milliseconds to wait for `/-/ready` (default 20000). */
  readonly readyTimeoutMs?: number;
  /**
   * A `--web.config.file` (TLS, basic auth users). With TLS in it, set `https` so the URL is
   * https://, and give a `readyFetch` that trusts the server and carries what it asks for,
   * to wait for `/-/ready` with.
   */
  readonly web?: { readonly configFile: string; readonly https: boolean; readonly readyFetch: typeof fetch };
}

export interface RunningPrometheus {
  /** `http://127.0.0.1:<port>` (https:// with a web config's TLS) */
  readonly url: string;
  readonly pid: number;
  /** The temporary directory (OpenMetrics file, tsdb, prom.yml, prometheus.log). */
  readonly dir: string;
  /** Wall times of the phases, milliseconds. */
  readonly timings: { readonly writeMs: number; readonly backfillMs: number; readonly startMs: number };
  /** Kills the server, waits for it to exit and removes the temporary directory. */
  stop(): Promise<void>;
}

/** Finds a binary on PATH or fails with a message naming it and the package that has it. */
export function requireBinary(name: 'prometheus' | 'promtool'): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(
    `${name} is not installed (not found on PATH): the Prometheus tests need a real Prometheus; ` +
      `run \`npx tsx scripts/ensure-test-tools.ts\` (npm test runs it first), which installs it or prints the command that does`,
  );
}

/** The peak resident memory of a running process so far (Linux /proc), bytes; 0 when unknown. */
function peakRss(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Runs a command to completion; rejects with its output tail when it fails. Resolves with
 * its peak resident memory, sampled from /proc every 100 ms (0 where /proc is missing).
 */
function run(command: string, args: readonly string[], cwd: string): Promise<{ stdout: string; stderr: string; peakRssBytes: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    const poll = setInterval(() => (peak = Math.max(peak, peakRss(child.pid))), 100);
    child.stdout.on('data', (d) => (stdout = (stdout + d).slice(-20000)));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-20000)));
    child.on('error', (error) => {
      clearInterval(poll);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearInterval(poll);
      if (code === 0) resolve({ stdout, stderr, peakRssBytes: peak });
      else reject(new Error(`${path.basename(command)} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${(stderr || stdout).slice(-4000)}`));
    });
  });
}

/**
 * Backfills OpenMetrics files into `tsdbDir` with promtool, one file at a time (promtool
 * reads one file per run; several files must hold disjoint time ranges of the same or of
 * different series). Returns promtool's wall time in milliseconds.
 */
export async function backfill(files: readonly string[], tsdbDir: string): Promise<number> {
  const promtool = requireBinary('promtool');
  fs.mkdirSync(tsdbDir, { recursive: true });
  const began = performance.now();
  for (const file of files) {
    await run(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', path.resolve(file), path.resolve(tsdbDir)], path.dirname(path.resolve(tsdbDir)));
  }
  return performance.now() - began;
}

/** promtool writes 2-hour blocks (2.42 has no --max-block-duration). */
const BLOCK_SECONDS = 7200;

/** The part of a dataset with from ≤ t < to, series without samples there left out. */
export function sliceDataset(dataset: SoakDataset, from: number, to: number): SoakDataset {
  const series: RawSeries[] = [];
  for (const s of dataset.series) {
    const i0 = lowerBound(s.t, from);
    const i1 = lowerBound(s.t, to);
    if (i1 > i0) series.push({ ...s, t: s.t.subarray(i0, i1), v: s.v.subarray(i0, i1) });
  }
  return { ...dataset, series };
}

function lowerBound(t: Float64Array, x: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Backfills a dataset into `tsdbDir`, one OpenMetrics file per 2-hour block.
 *
 * promtool 2.42 reads the whole input file into memory and parses all of it once for every
 * 2-hour block it writes, so one file of D days costs about 12·D parses of everything (the
 * 5-day, 120-second default dataset, 2.6 M samples, took 93 s that way). A file per block
 * is parsed about twice. Chunks are written to `workDir` (default: beside the tsdb) while
 * the previous one is being imported, and removed once imported. `writeMs` is the time
 * spent writing OpenMetrics, `backfillMs` the rest of the wall time (promtool not
 * overlapped by writing), `wallMs` both.
 */
export async function backfillDataset(
  dataset: SoakDataset,
  tsdbDir: string,
  options: { workDir?: string; parallel?: number; onChunk?: (done: number, total: number) => void } = {},
): Promise<{ writeMs: number; backfillMs: number; wallMs: number; chunks: number; samples: number; bytes: number; promtoolPeakRssBytes: number }> {
  const promtool = requireBinary('promtool');
  const workDir = options.workDir ?? path.dirname(path.resolve(tsdbDir));
  fs.mkdirSync(tsdbDir, { recursive: true });
  fs.mkdirSync(workDir, { recursive: true });
  let first = Infinity;
  let last = -Infinity;
  for (const s of dataset.series) {
    if (s.t.length === 0) continue;
    first = Math.min(first, s.t[0]);
    last = Math.max(last, s.t[s.t.length - 1]);
  }
  const ranges: [number, number][] = [];
  for (let from = Math.floor(first / BLOCK_SECONDS) * BLOCK_SECONDS; from <= last; from += BLOCK_SECONDS) ranges.push([from, from + BLOCK_SECONDS]);
  const parallel = Math.max(1, options.parallel ?? Math.min(2, os.cpus().length));
  let writeMs = 0;
  let samples = 0;
  let bytes = 0;
  let done = 0;
  let promtoolPeakRssBytes = 0;
  const began = performance.now();
  const running = new Set<Promise<void>>();
  for (let k = 0; k < ranges.length; k++) {
    const slice = sliceDataset(dataset, ranges[k][0], ranges[k][1]);
    if (slice.series.length === 0) continue;
    const file = path.join(workDir, `chunk-${ranges[k][0]}.om`);
    const w0 = performance.now();
    const written = writeOpenMetrics(slice, file);
    writeMs += performance.now() - w0;
    samples += written.samples;
    bytes += written.bytes;
    const job: Promise<void> = run(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', file, path.resolve(tsdbDir)], workDir)
      .then(({ peakRssBytes }) => {
        promtoolPeakRssBytes = Math.max(promtoolPeakRssBytes, peakRssBytes);
        fs.rmSync(file, { force: true });
        options.onChunk?.(++done, ranges.length);
      })
      .finally(() => running.delete(job));
    running.add(job);
    if (running.size >= parallel) await Promise.race(running);
  }
  await Promise.all(running);
  const wallMs = performance.now() - began;
  return { writeMs, backfillMs: wallMs - writeMs, wallMs, chunks: ranges.length, samples, bytes, promtoolPeakRssBytes };
}

/** A free TCP port on 127.0.0.1 (listen on port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function copyDir(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}

/** A short hash of a dataset's identity and samples, to key caches by. */
export function datasetHash(dataset: SoakDataset): string {
  const h = crypto.createHash('sha256');
  h.update(`${dataset.name}|${dataset.start}|${dataset.end}|${dataset.scrapeSeconds}|${dataset.series.length}`);
  for (const s of dataset.series) {
    h.update(s.metric);
    h.update(JSON.stringify(s.labels));
    h.update(new Uint8Array(s.t.buffer, s.t.byteOffset, s.t.byteLength));
    h.update(new Uint8Array(s.v.buffer, s.v.byteOffset, s.v.byteLength));
  }
  return h.digest('hex').slice(0, 16);
}

/**
 * Where backfilled TSDBs are shared between test files, jest workers and runs: one
 * directory per dataset under the system's temporary directory (NUMAFLOW_SOAK_TSDB_CACHE
 * moves it), named by `datasetHash`, so a changed generator makes a new one.
 */
export function tsdbCacheDir(): string {
  return process.env.NUMAFLOW_SOAK_TSDB_CACHE ?? path.join(os.tmpdir(), 'numaflow-soak-tsdb-cache');
}

/** The marker a finished cache entry holds (written before the entry is renamed into place). */
const COMPLETE = '.complete';
/** A lock without its holder's pid file older than this was left by a process that died at once. */
const LOCK_GRACE_MS = 30_000;

/** True when the process that took a lock directory is gone. */
function lockAbandoned(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
  } catch {
    try {
      return Date.now() - fs.statSync(lock).mtimeMs > LOCK_GRACE_MS;
    } catch {
      return false; // released meanwhile
    }
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * The TSDB of one dataset, backfilled once for every test file and jest worker: the first
 * to ask takes a lock (an exclusive mkdir), backfills into a scratch directory and renames
 * it into place with its completion marker; the others wait for the marker. A lock left by
 * a process that died is taken over. Returns the directory (read it, never write to it:
 * `startPrometheus` copies its blocks).
 */
export async function cachedTsdb(dataset: SoakDataset): Promise<{ readonly dir: string; readonly backfilled: boolean }> {
  const root = tsdbCacheDir();
  const dir = path.join(root, `tsdb-${datasetHash(dataset)}`);
  const done = path.join(dir, COMPLETE);
  if (fs.existsSync(done)) return { dir, backfilled: false };
  fs.mkdirSync(root, { recursive: true });
  const lock = `${dir}.lock`;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (fs.existsSync(done)) return { dir, backfilled: false };
    if (lockAbandoned(lock)) fs.rmSync(lock, { recursive: true, force: true });
    else await new Promise((r) => setTimeout(r, 250));
  }
  try {
    fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
    if (fs.existsSync(done)) return { dir, backfilled: false };
    const scratch = `${dir}.tmp-${process.pid}`;
    fs.rmSync(scratch, { recursive: true, force: true });
    try {
      await backfillDataset(dataset, path.join(scratch, 'tsdb'), { workDir: scratch });
      fs.writeFileSync(path.join(scratch, 'tsdb', COMPLETE), `${dataset.name}\n`);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(path.join(scratch, 'tsdb'), dir);
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
    return { dir, backfilled: true };
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** Copies the blocks of cached TSDBs (never their marker) into one TSDB directory. */
function copyBlocks(from: readonly string[], to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const dir of from) {
    for (const entry of fs.readdirSync(dir)) {
      if (entry !== COMPLETE) copyDir(path.join(dir, entry), path.join(to, entry));
    }
  }
}

async function waitReady(url: string, child: ChildProcess, logFile: string, timeoutMs: number, readyFetch: typeof fetch = fetch): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = signal ?? `exit ${code}`));
  for (;;) {
    if (exited !== undefined) {
      throw new Error(`prometheus exited before it was ready (${exited}):\n${tail(logFile)}`);
    }
    try {
      const res = await readyFetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`prometheus at ${url} was not ready within ${timeoutMs / 1000}s:\n${tail(logFile)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts a Prometheus holding the given data. Exactly one of `openMetricsFile`, `dataset`
 * and `tsdb` must be given.
 */
export async function startPrometheus(options: StartPrometheusOptions): Promise<RunningPrometheus> {
  const given = [options.openMetricsFile, options.dataset, options.tsdb].filter((x) => x !== undefined).length;
  if (given !== 1) throw new Error('startPrometheus needs exactly one of openMetricsFile, dataset and tsdb');
  const prometheus = requireBinary('prometheus');
  if (!options.tsdb) requireBinary('promtool');

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numaflow-soak-prom-'));
  const tsdb = path.join(dir, 'tsdb');
  let child: ChildProcess | undefined;
  try {
    let writeMs = 0;
    let backfillMs = 0;
    if (options.tsdb) {
      copyDir(options.tsdb, tsdb);
    } else if (options.dataset && options.cache !== false) {
      const datasets: readonly SoakDataset[] = Array.isArray(options.dataset) ? options.dataset : [options.dataset as SoakDataset];
      const began = performance.now();
      const cached = [];
      for (const dataset of datasets) cached.push(await cachedTsdb(dataset));
      backfillMs = performance.now() - began;
      copyBlocks(
        cached.map((c) => c.dir),
        tsdb,
      );
    } else if (options.dataset) {
      const datasets: readonly SoakDataset[] = Array.isArray(options.dataset) ? options.dataset : [options.dataset as SoakDataset];
      for (const dataset of datasets) {
        const done = await backfillDataset(dataset, tsdb, { workDir: dir });
        writeMs += done.writeMs;
        backfillMs += done.backfillMs;
      }
    } else {
      const files = typeof options.openMetricsFile === 'string' ? [options.openMetricsFile] : options.openMetricsFile!;
      backfillMs = await backfill(files, tsdb);
    }

    const config = path.join(dir, 'prom.yml');
    fs.writeFileSync(config, 'global:\n  scrape_interval: 15s\nscrape_configs: []\n');
    const port = await freePort();
    const url = `${options.web?.https ? 'https' : 'http'}://127.0.0.1:${port}`;
    const logFile = path.join(dir, 'prometheus.log');
    const log = fs.openSync(logFile, 'w');
    const began = performance.now();
    child = spawn(
      prometheus,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${tsdb}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=100y',
        // Subqueries over days at a 1-minute step read many samples; the default is 50M.
        '--query.max-samples=500000000',
        ...(options.web ? [`--web.config.file=${path.resolve(options.web.configFile)}`] : []),
      ],
      { cwd: dir, stdio: ['ignore', log, log] },
    );
    fs.closeSync(log);
    await waitReady(url, child, logFile, options.readyTimeoutMs ?? 20_000, options.web?.readyFetch);
    const startMs = performance.now() - began;
    const running = child;
    let stopped: Promise<void> | undefined;
    return {
      url,
      pid: running.pid!,
      dir,
      timings: { writeMs, backfillMs, startMs },
      stop: () =>
        (stopped ??= stopProcess(running).then(() => {
          fs.rmSync(dir, { recursive: true, force: true });
        })),
    };
  } catch (error) {
    if (child) await stopProcess(child);
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
