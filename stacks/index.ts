/** Entry point of the Pulumi program (Pulumi.yaml `main`). See soak-program.ts. */
import { soakProgram } from './soak-program';

export = soakProgram;
