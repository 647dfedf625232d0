/**
 * Risks of a change to the platform stack (issue 10 item 4): the cluster-wide installs and
 * the cluster they go to. The platform stack holds no plan, so no manifest shows the change;
 * without these flags, turning `installNumaflow` off would read as "no risk flags, no
 * changes" in every diff while `pulumi up --stack platform` deletes the Numaflow controller.
 *
 * `numaflow-soak diff --stack <variant> --base-ref <rev>` (one stack across revisions, what
 * the pull-request workflow runs for every variant) compares the platform stacks of the
 * working tree (or `--head-ref`) with the same files at the base revision and adds these
 * flags to the report. Two variants side by side share one platform stack: nothing to compare.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { discoverStacks, parsePlatformConfig, PROJECT, stackConfigFromText, stackRole, type LoadedPlatform } from '../plan/load';
import type { Risk, RiskSeverity } from './report';
import { readStackAtRevision } from './revision';

/** A platform stack as read at one revision; undefined when the file is not there. */
export type PlatformSide = Pick<LoadedPlatform, 'settings' | 'encryptedSettings'> | undefined;

const INSTALLS = {
  installNumaflow: {
    what: 'the Numaflow v1.8.3 controller',
    off: 'Pulumi deletes the controller from numaflow-system (the CRDs are retained), and no pipeline or buffer service in the cluster is reconciled any more',
  },
  installPrometheusOperator: {
    what: 'kube-prometheus-stack',
    off: 'Pulumi uninstalls the Prometheus operator and its Prometheus from monitoring, and with them the soak metrics recommend and verdict read',
  },
} as const;

/** The flags for one platform stack `name` between `before` and `after`. */
export function platformRisks(name: string, before: PlatformSide, after: PlatformSide): Risk[] {
  const risks: Risk[] = [];
  const add = (severity: RiskSeverity, code: string, message: string) => risks.push({ severity, code, message });
  const file = `stacks/Pulumi.${name}.yaml`;
  if (!before && !after) return risks;
  if (!after) {
    add('critical', 'platform-stack-removed', `the platform stack ${file} is removed: the cluster-wide installs it made lose their owner (pulumi destroy --stack ${name} would delete them)`);
    return risks;
  }
  if (!before) {
    add('warning', 'platform-stack-added', `the platform stack ${file} is new: pulumi up --stack ${name} installs cluster-wide what it turns on`);
    return risks;
  }
  for (const key of Object.keys(INSTALLS) as (keyof typeof INSTALLS)[]) {
    const [x, y] = [before.settings[key], after.settings[key]];
    if (x && !y) add('critical', 'install-changed', `${PROJECT}:${key} is turned off in ${file}: ${INSTALLS[key].off}`);
    else if (!x && y) add('warning', 'install-changed', `${PROJECT}:${key} is turned on in ${file}: Pulumi installs ${INSTALLS[key].what} cluster-wide; check the cluster does not run one already`);
  }
  const changes: string[] = [];
  const [x, y] = [before.settings, after.settings];
  if (x.context !== y.context) changes.push(`context ${x.context ?? '(current)'} → ${y.context ?? '(current)'}`);
  // Never show a kubeconfig: it holds credentials. Encrypted on both sides, it cannot be compared.
  const encrypted = (side: NonNullable<PlatformSide>) => side.encryptedSettings.includes('kubeconfig');
  if (encrypted(before) !== encrypted(after) || (!encrypted(before) && x.kubeconfig !== y.kubeconfig)) changes.push('the kubeconfig');
  if (changes.length > 0) {
    add('critical', 'target-cluster-changed', `the platform stack's target cluster changes (${changes.join(', ')}): Pulumi would install everything on the new cluster and delete it from the old one`);
  }
  return risks;
}

/**
 * The platform stacks' flags between `baseRef` and the working tree (or `headRef`), for
 * every platform stack of the working tree.
 * @throws PlanError when a platform stack file is invalid at either revision.
 */
export function platformRisksAcrossRevisions(root: string, baseRef: string, headRef?: string): Risk[] {
  const read = (name: string, rev: string | undefined): PlatformSide => {
    const file = path.join(root, 'stacks', `Pulumi.${name}.yaml`);
    let text: string;
    if (rev === undefined) {
      if (!fs.existsSync(file)) return undefined;
      text = fs.readFileSync(file, 'utf8');
    } else {
      try {
        text = readStackAtRevision(name, rev, root);
      } catch (error) {
        // Not in that revision: the stack is new (or removed). Any other failure is an error.
        if (/does not exist in|exists on disk, but not in/.test((error as Error).message)) return undefined;
        throw error;
      }
    }
    const source = `stacks/Pulumi.${name}.yaml${rev !== undefined ? `@${rev}` : ''}`;
    const loaded = parsePlatformConfig(stackConfigFromText(text, source), source);
    return { settings: loaded.settings, encryptedSettings: loaded.encryptedSettings };
  };
  // The platform stacks of the after side, and those of the base (a removed one is a risk too).
  const names = new Set([...discoverStacks(root).platforms, ...platformsAtRevision(root, baseRef)]);
  return [...names].sort().flatMap((name) => platformRisks(name, read(name, baseRef), read(name, headRef)));
}

/** The platform stacks committed at `rev`: stack files under stacks/ whose role is platform. */
function platformsAtRevision(root: string, rev: string): string[] {
  let listing: string;
  try {
    listing = execFileSync('git', ['ls-tree', '--name-only', rev, './stacks/'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return [];
  }
  return listing
    .split('\n')
    .map((f) => /^(?:.*\/)?Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/.exec(f)?.[1])
    .filter((name): name is string => name !== undefined)
    .filter((name) => {
      try {
        return stackRole(stackConfigFromText(readStackAtRevision(name, rev, root), `${name}@${rev}`)) === 'platform';
      } catch {
        return false;
      }
    });
}

/** Adds `extra` risks to a report's, critical first, as buildReport orders them. */
export function withRisks<R extends { readonly risks: readonly Risk[]; readonly changed: boolean }>(report: R, extra: readonly Risk[]): R {
  if (extra.length === 0) return report;
  const order: Record<RiskSeverity, number> = { critical: 0, warning: 1 };
  return { ...report, risks: [...report.risks, ...extra].sort((a, b) => order[a.severity] - order[b.severity]) };
}
