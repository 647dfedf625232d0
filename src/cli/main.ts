/**
 * The `numaflow-soak` command line: argument parsing and exit codes only; the work is done
 * by the library (plan, constructs, diff). Progress and warnings go to stderr, results to
 * stdout or the file asked for.
 */
import { EXIT } from './exit-codes';
import { synthCommand } from './synth-command';

const USAGE = `usage: numaflow-soak <command> [options]

commands:
  synth     synthesize every variant into dist/<variant>/
  help      this text
`;

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'synth':
      return synthCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return EXIT.ok;
    default:
      process.stderr.write(`numaflow-soak: unknown command ${JSON.stringify(command)}\n${USAGE}`);
      return EXIT.error;
  }
}
