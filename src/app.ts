/**
 * Builds the cdk8s App with one chart per variant, each from its stack file. The cdk8s
 * entry point (`main.ts`), the Pulumi program and the tests call this; it writes nothing.
 */
import { App } from 'cdk8s';
import { estimateNodes } from './capacity/nodes';
import { SoakChart } from './constructs/soak-chart';
import { formatFindings, loadStackFile, stackFile, VARIANTS, type LoadedPlan } from './plan/load';

export interface BuildAppOptions {
  /** Where `synth()` writes; cdk8s sets CDK8S_OUTDIR. @default 'dist' */
  readonly outdir?: string;
  /** Variants to build. @default every variant in stacks/ */
  readonly variants?: readonly string[];
  /** Project root holding stacks/. @default the folder of package.json */
  readonly root?: string;
  /** Where warnings go. @default stderr */
  readonly warn?: (message: string) => void;
}

/** Loads every plan first, so an invalid one stops the build before any chart exists. */
export function buildApp(options: BuildAppOptions = {}): { app: App; charts: SoakChart[]; plans: LoadedPlan[] } {
  const variants = options.variants ?? VARIANTS;
  const warn = options.warn ?? ((m: string) => process.stderr.write(`${m}\n`));
  const plans = variants.map((v) => loadStackFile(stackFile(v, options.root)));
  const app = new App({
    outdir: options.outdir ?? process.env.CDK8S_OUTDIR ?? 'dist',
  });
  const charts = plans.map((loaded, i) => {
    for (const message of planWarnings(loaded)) warn(message);
    return new SoakChart(app, variants[i], { plan: loaded.plan, variant: variants[i] });
  });
  return { app, charts, plans };
}

/** What to tell the user about a plan that loaded: its warning findings, and pods that fit on no node. */
export function planWarnings(loaded: LoadedPlan): string[] {
  const messages: string[] = [];
  if (loaded.warnings.length > 0) messages.push(formatFindings(loaded.source, loaded.warnings));
  const estimate = estimateNodes(loaded.plan);
  if (estimate.unschedulable.length > 0) {
    messages.push(`plan ${loaded.source}: pods of ${estimate.unschedulable.join(', ')} fit on no ${estimate.shape} node`);
  }
  return messages;
}
