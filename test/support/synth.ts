/** Synthesizes a variant's chart from its stack file, as `cdk8s synth` does, in memory. */
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import { SoakChart } from '../../src/constructs/soak-chart';
import { loadStackFile } from '../../src/plan/load';
import type { SoakPlan } from '../../src/plan/schema';

export const ROOT = path.resolve(__dirname, '../..');

export function loadVariant(variant: string): SoakPlan {
  return loadStackFile(path.join(ROOT, 'stacks', `Pulumi.${variant}.yaml`)).plan;
}

export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [k: string]: any };

export function synthPlan(plan: SoakPlan, variant = 'test'): Manifest[] {
  const app = Testing.app();
  const chart = new SoakChart(app, variant, { plan, variant });
  return chart.toJson() as Manifest[];
}

export function synthVariant(variant: string): Manifest[] {
  return synthPlan(loadVariant(variant), variant);
}

export function find(objects: Manifest[], kind: string, name?: string): Manifest {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0];
}
