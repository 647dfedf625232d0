/**
 * The cdk8s app (`cdk8s synth`): synthesizes every variant into dist/<variant>/.
 * An invalid plan prints every problem and exits 1 before anything is written.
 */
import { buildApp } from './app';
import { PlanError } from './plan/load';

try {
  buildApp().app.synth();
} catch (error) {
  if (!(error instanceof PlanError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
