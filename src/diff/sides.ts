/**
 * The two sides of a diff: a plan, where it came from, and the manifests `cdk8s synth`
 * would write for it. The `diff` and `report` commands and the tests all build sides
 * here, so a side from the working tree and a side from a git revision are synthesized
 * the same way, by the same SoakChart the cdk8s app and the Pulumi program use.
 */
import * as fs from 'node:fs';
import { App } from 'cdk8s';
import { planWarnings } from '../app';
import { SoakChart } from '../constructs/soak-chart';
import { discoverStacks, loadStackFile, stackFile, type LoadedPlan, type LoadedStack } from '../plan/load';
import type { SoakPlan } from '../plan/schema';
import type { ReportSide, SideIdentity } from './report';
import type { Manifest } from './semantic';

/** A side that could not be built for a reason other than an invalid plan (unknown variant, git failure). */
export class SideError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SideError';
  }
}

/** A report side plus what loading its plan had to say. */
export interface BuiltSide extends ReportSide {
  /** The variant (stack) name the chart was built for. */
  readonly variant: string;
  /** Where the plan came from, e.g. `stacks/Pulumi.soak.yaml` or `stacks/Pulumi.soak.yaml@HEAD`. */
  readonly source: string;
  /** Messages to print on stderr (plan warnings, unschedulable pods); never fatal. */
  readonly warnings: readonly string[];
}

/** Stack names as Pulumi allows them; also keeps a variant from naming a path outside stacks/. */
const VARIANT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Refuses a variant name that is not a plain stack name (`../x`, empty, ...). */
export function checkVariantName(variant: string): void {
  if (!VARIANT_NAME.test(variant) || variant.includes('..')) {
    throw new SideError(`${JSON.stringify(variant)} is not a stack name (letters, digits, '-', '_' and '.')`);
  }
}

/** The variants that have a stack file under `<root>/stacks/`, sorted (the platform stack and plan-less files are not variants). */
export function availableVariants(root: string): string[] {
  return [...discoverStacks(root).variants];
}

/**
 * Two variants made comparable side by side. Each runs in its own namespace, and its
 * PriorityClass (and every selector, policy and dashboard query) is named after it: that is
 * their identity, not a change. So the before side is rebuilt from its own plan in the after
 * side's namespace, and objects pair up by name. Everything else (sizes, settings, buffer)
 * still compares as it is. The identity returned goes into the report (ReportOptions.identity).
 */
export function sideBySide(before: BuiltSide, after: BuiltSide): { before: BuiltSide; identity: SideIdentity } {
  const identity = { before: { namespace: before.plan.namespace }, after: { namespace: after.plan.namespace } };
  if (before.plan.namespace === after.plan.namespace) return { before, identity };
  const plan = { ...before.plan, namespace: after.plan.namespace };
  const chart = new SoakChart(new App(), before.variant, { plan, variant: before.variant });
  return { before: { ...before, plan, manifests: chart.toJson() as Manifest[] }, identity };
}

/** The manifests of one variant's chart, in the order `cdk8s synth` writes them. */
export function synthesizeManifests(plan: SoakPlan, variant: string): Manifest[] {
  return new SoakChart(new App(), variant, { plan, variant }).toJson() as Manifest[];
}

/** A side from a plan that has already been loaded and checked (with its deployment settings when from a stack file). */
export function sideFromLoaded(loaded: LoadedPlan | LoadedStack, variant: string, label = variant): BuiltSide {
  return sideFromChart(new SoakChart(new App(), variant, { plan: loaded.plan, variant }), loaded, label);
}

/** A side from a chart already built from `loaded` (e.g. by `buildApp`, to be written out too). */
export function sideFromChart(chart: SoakChart, loaded: LoadedPlan | LoadedStack, label = chart.node.id): BuiltSide {
  return {
    // The deployment settings too, so the diff flags a change to protection, target cluster or installs.
    ...('settings' in loaded ? { settings: loaded.settings, encryptedSettings: loaded.encryptedSettings } : {}),
    label,
    variant: chart.node.id,
    source: loaded.source,
    plan: loaded.plan,
    manifests: chart.toJson() as Manifest[],
    warnings: planWarnings(loaded),
  };
}

/**
 * A side from the working tree: `<root>/stacks/Pulumi.<variant>.yaml`.
 * @throws SideError when the variant has no stack file; PlanError when its plan is invalid.
 */
export function sideFromWorkingTree(variant: string, root: string, label = variant): BuiltSide {
  checkVariantName(variant);
  const file = stackFile(variant, root);
  if (!fs.existsSync(file)) {
    const known = availableVariants(root);
    throw new SideError(`no stack file for variant ${JSON.stringify(variant)}: ${file} does not exist (variants: ${known.join(', ') || 'none'})`);
  }
  return sideFromLoaded(loadStackFile(file), variant, label);
}
