/**
 * Entry point of the Pulumi program (Pulumi.yaml `main`). The stack file says what the stack
 * is (`numaflow-soak:role`, src/plan/deployment.ts): the platform stack installs what is
 * cluster-wide (platform-program.ts); every other stack is a variant, one soak environment
 * (soak-program.ts).
 */
import * as pulumi from '@pulumi/pulumi';
import { PROJECT, ROLE_KEY, stackRole } from '../src/plan/load';
import { deployPlatform } from './platform-program';
import { soakProgram } from './soak-program';

async function program(): Promise<Record<string, unknown>> {
  const role = stackRole({ [`${PROJECT}:${ROLE_KEY}`]: pulumi.runtime.allConfig()[`${PROJECT}:${ROLE_KEY}`] });
  return role === 'platform' ? (await deployPlatform(pulumi.getStack())).outputs : soakProgram();
}

export = program;
