/**
 * A cache of text the compiled CLI derives from its own code and its inputs alone, such as
 * `report`'s verdict on the embedded dataset (generating the 5-day dataset and judging it
 * takes about two thirds of a second; its result changes only with the code or the plan).
 *
 * An entry is keyed by the SHA-256 of the build's source digest (build/.sources.json, which
 * bin/compiled.js checked against src/ before this code ran) and the caller's inputs, so a
 * change to either is a miss; it lives in build/cache/, beside the code it came from, and
 * goes with it (`rm -rf build`). Only the compiled CLI caches: run from the TypeScript
 * sources (tsx, jest) there is no build stamp that vouches for the code, and every call
 * computes. The cache is an optimisation only: an unreadable, foreign or unwritable entry is
 * recomputed, never an error.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../plan/load';

/** Entries kept; the oldest beyond this are removed when one is written. */
export const CACHE_ENTRIES = 16;

/** Where entries live, or undefined when this code is not a checked build. */
function cacheDir(): { dir: string; digest: string } | undefined {
  if (!__filename.endsWith('.js')) return undefined; // running the .ts sources
  const build = path.join(projectRoot(), 'build');
  try {
    const stamp = JSON.parse(fs.readFileSync(path.join(build, '.sources.json'), 'utf8')) as { digest?: unknown };
    if (typeof stamp.digest !== 'string' || !/^[0-9a-f]{64}$/.test(stamp.digest)) return undefined;
    return { dir: path.join(build, 'cache'), digest: stamp.digest };
  } catch {
    return undefined;
  }
}

/**
 * The text `compute` returns for `inputs` (any JSON value that determines it, with the kind
 * of entry first), from the cache when this build computed it before.
 */
export async function cachedText(kind: string, inputs: unknown, compute: () => Promise<string>): Promise<string> {
  const where = cacheDir();
  if (where === undefined) return compute();
  const key = crypto.createHash('sha256').update(JSON.stringify([where.digest, kind, inputs])).digest('hex');
  const file = path.join(where.dir, `${kind}-${key}.json`);
  try {
    const entry = JSON.parse(fs.readFileSync(file, 'utf8')) as { key?: unknown; text?: unknown };
    if (entry.key === key && typeof entry.text === 'string') return entry.text;
  } catch {
    // missing or unreadable: compute it
  }
  const text = await compute();
  try {
    fs.mkdirSync(where.dir, { recursive: true });
    const staging = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(staging, JSON.stringify({ key, text }));
    fs.renameSync(staging, file);
    prune(where.dir);
  } catch {
    // a read-only checkout: no cache, same result
  }
  return text;
}

function prune(dir: string): void {
  const entries = fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => ({ file: path.join(dir, name), mtime: fs.statSync(path.join(dir, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const old of entries.slice(CACHE_ENTRIES)) fs.rmSync(old.file, { force: true });
}
