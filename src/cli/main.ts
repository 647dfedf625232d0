/**
 * The `numaflow-soak` command line: argument parsing and exit codes only; the work is done
 * by the library (plan, constructs, diff). Progress and warnings go to stderr, results to
 * stdout or the file asked for.
 *
 * Errors the user can act on (a bad option, an invalid plan, an unknown variant, a git
 * revision that does not exist, a malformed provenance file, a file that cannot be
 * written) print their message alone and exit 1; anything else is a bug and keeps its
 * stack trace.
 *
 * Each command's module is loaded when that command runs, not before: `verdict` never loads
 * the constructs (cdk8s, cdk8s-plus), `--help` loads nothing but this file.
 */
import { EXIT } from './exit-codes';

const USAGE = `usage: numaflow-soak <command> [options]

commands:
  report    synthesize both variants into dist/, print the soak → rightsized report
            (Markdown), write dist/report.json and dist/report.html
  diff      compare two variants (--before soak --after rightsized), or one variant at two
            git revisions (--stack soak --base-ref origin/main); exit 0 no change,
            2 changes, 3 risk flags with --fail-on-risk, 1 error
  synth     synthesize every variant into dist/<variant>/
  recommend right-size the soaked plan from its measured usage (Prometheus or the embedded
            dataset); --write updates stacks/Pulumi.rightsized.yaml; exit 0 ok, 4 data
            source unavailable, 6 too little data, 1 error
  verdict   judge the soak (restarts, OOM kills, errors, throughput, latency, back-pressure,
            memory trend); exit 0 passed, 5 failed, 6 too little data, 4 data source
            unavailable, 1 error
  doctor    check that the data source holds every series verdict and recommend need
            (per family and pod group: series, time covered, scrape interval; the likely
            cause of each one missing; the Numaflow version); exit 0 all there, 6 something
            missing, 4 data source unavailable, 1 error
  help      this text

Run numaflow-soak <command> --help for a command's options.
`;

type Command = (argv: readonly string[]) => number | Promise<number>;

/**
 * Each command, loaded on first use. `require`, not `import()`: compiled to CommonJS either
 * way, but tsx (NUMAFLOW_SOAK_FROM_SOURCE=1) would leave an `import()` to Node's ESM loader,
 * which does not resolve the extensionless .ts paths.
 */
const COMMANDS: Readonly<Record<string, () => Command>> = {
  report: () => (require('./report-command') as typeof import('./report-command')).reportCommand,
  diff: () => (require('./diff-command') as typeof import('./diff-command')).diffCommand,
  synth: () => (require('./synth-command') as typeof import('./synth-command')).synthCommand,
  recommend: () => (require('./recommend-command') as typeof import('./recommend-command')).recommendCommand,
  verdict: () => (require('./verdict-command') as typeof import('./verdict-command')).verdictCommand,
  doctor: () => (require('./doctor-command') as typeof import('./doctor-command')).doctorCommand,
};

/** The errors a user can act on: printed alone, exit 1. Loaded when one is thrown. */
function isUserError(error: unknown): boolean {
  const { CliError } = require('./args') as typeof import('./args');
  const { PlanError } = require('../plan/load') as typeof import('../plan/load');
  const { SideError } = require('../diff/sides') as typeof import('../diff/sides');
  const { ProvenanceError } = require('../diff/provenance-file') as typeof import('../diff/provenance-file');
  return error instanceof CliError || error instanceof PlanError || error instanceof SideError || error instanceof ProvenanceError;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  const load = Object.prototype.hasOwnProperty.call(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!load) {
    process.stderr.write(`numaflow-soak: unknown command ${JSON.stringify(command)}\n${USAGE}`);
    return EXIT.error;
  }
  try {
    const run = load();
    return await run(rest);
  } catch (error) {
    if (error instanceof Error && isUserError(error)) {
      process.stderr.write(`${error.message}\n`);
      return EXIT.error;
    }
    throw error;
  }
}
