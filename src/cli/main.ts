/**
 * The `numaflow-soak` command line: argument parsing and exit codes only; the work is done
 * by the library (plan, constructs, diff). Progress and warnings go to stderr, results to
 * stdout or the file asked for.
 *
 * Errors the user can act on (a bad option, an invalid plan, an unknown variant, a git
 * revision that does not exist, a malformed provenance file, a file that cannot be
 * written) print their message alone and exit 1; anything else is a bug and keeps its
 * stack trace.
 */
import { ProvenanceError } from '../diff/provenance-file';
import { SideError } from '../diff/sides';
import { PlanError } from '../plan/load';
import { CliError } from './args';
import { diffCommand } from './diff-command';
import { doctorCommand } from './doctor-command';
import { EXIT } from './exit-codes';
import { recommendCommand } from './recommend-command';
import { reportCommand } from './report-command';
import { synthCommand } from './synth-command';
import { verdictCommand } from './verdict-command';

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

const COMMANDS: Readonly<Record<string, (argv: readonly string[]) => number | Promise<number>>> = {
  report: reportCommand,
  diff: diffCommand,
  synth: synthCommand,
  recommend: recommendCommand,
  verdict: verdictCommand,
  doctor: doctorCommand,
};

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  const run = Object.prototype.hasOwnProperty.call(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!run) {
    process.stderr.write(`numaflow-soak: unknown command ${JSON.stringify(command)}\n${USAGE}`);
    return EXIT.error;
  }
  try {
    return await run(rest);
  } catch (error) {
    if (error instanceof CliError || error instanceof PlanError || error instanceof SideError || error instanceof ProvenanceError) {
      process.stderr.write(`${error.message}\n`);
      return EXIT.error;
    }
    throw error;
  }
}
