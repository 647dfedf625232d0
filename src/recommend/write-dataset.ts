/**
 * Writes a generated soak dataset as OpenMetrics text, ready for
 * `promtool tsdb create-blocks-from openmetrics <file> <dir>`.
 *
 *   npm run dataset -- --scenario steady --days 5 --scrape 120 --out soak.om
 *
 * Options: --scenario (steady|leak|oom|throttle|gap, default steady), --days (default 5),
 * --scrape seconds (default 120), --seed (default 1817), --start Unix seconds
 * (default 1751328000), --out file (required), --no-duplicates, --no-pod-rows.
 * Progress and figures go to stderr; exit code 2 on a usage error.
 */
import { DEFAULT_DATASET, generateSoakDataset, SCENARIOS, type Scenario } from './dataset';
import { writeOpenMetrics } from './openmetrics';

interface Args {
  scenario: Scenario;
  days: number;
  scrape: number;
  seed: number;
  start: number;
  out: string;
  duplicates: boolean;
  podRows: boolean;
}

class UsageError extends Error {}

const USAGE =
  'usage: npm run dataset -- --out FILE [--scenario steady|leak|oom|throttle|gap] [--days N] [--scrape SECONDS] [--seed N] [--start UNIX_SECONDS] [--no-duplicates] [--no-pod-rows]';

export function parseArgs(argv: readonly string[]): Args {
  const args: Partial<Args> & { duplicates: boolean; podRows: boolean } = { duplicates: true, podRows: true };
  const number = (flag: string, value: string | undefined): number => {
    const n = Number(value);
    if (value === undefined || value === '' || !Number.isFinite(n)) throw new UsageError(`${flag} needs a number, got ${value ?? 'nothing'}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const [name, inline] = flag.includes('=') ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)] : [flag, undefined];
    const value = () => inline ?? argv[++i];
    switch (name) {
      case '--scenario': {
        const s = value();
        if (!SCENARIOS.includes(s as Scenario)) throw new UsageError(`--scenario must be one of ${SCENARIOS.join(', ')}, got ${s ?? 'nothing'}`);
        args.scenario = s as Scenario;
        break;
      }
      case '--days':
        args.days = number(name, value());
        break;
      case '--scrape':
        args.scrape = number(name, value());
        break;
      case '--seed':
        args.seed = number(name, value());
        break;
      case '--start':
        args.start = number(name, value());
        break;
      case '--out':
        args.out = value();
        break;
      case '--no-duplicates':
        args.duplicates = false;
        break;
      case '--no-pod-rows':
        args.podRows = false;
        break;
      case '--help':
      case '-h':
        throw new UsageError('');
      default:
        throw new UsageError(`unknown argument ${flag}`);
    }
  }
  if (!args.out) throw new UsageError('--out FILE is required');
  return {
    scenario: args.scenario ?? DEFAULT_DATASET.scenario,
    days: args.days ?? DEFAULT_DATASET.days,
    scrape: args.scrape ?? DEFAULT_DATASET.scrapeSeconds,
    seed: args.seed ?? DEFAULT_DATASET.seed,
    start: args.start ?? DEFAULT_DATASET.start,
    out: args.out,
    duplicates: args.duplicates,
    podRows: args.podRows,
  };
}

function main(argv: readonly string[]): number {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (error.message) process.stderr.write(`error: ${error.message}\n`);
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const t0 = performance.now();
  const dataset = generateSoakDataset({
    scenario: args.scenario,
    days: args.days,
    scrapeSeconds: args.scrape,
    seed: args.seed,
    start: args.start,
    duplicateScrapes: args.duplicates,
    podLevelRows: args.podRows,
  });
  const t1 = performance.now();
  const written = writeOpenMetrics(dataset, args.out);
  const t2 = performance.now();
  process.stderr.write(
    `${dataset.name}: ${written.samples} samples in ${written.series} series, ${(written.bytes / 1e6).toFixed(1)} MB -> ${args.out}\n` +
      `generated in ${((t1 - t0) / 1000).toFixed(2)} s, written in ${((t2 - t1) / 1000).toFixed(2)} s (total ${((t2 - t0) / 1000).toFixed(2)} s)\n`,
  );
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
