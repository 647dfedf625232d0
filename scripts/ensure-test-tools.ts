/**
 * Makes sure the system tools the tests run (scripts/system-tools.ts) are there, at versions
 * the tests accept, before jest starts: `npm test`, .ci/run and the pull-request workflow
 * run it first.
 *
 * A tool that is missing or too old is installed when this process may install: as root or
 * with passwordless sudo, with apt-get (Debian, Ubuntu), and unless NUMAFLOW_SOAK_NO_INSTALL
 * is set. It says what it installs and why. Otherwise it stops at once, exit 1, printing the
 * exact command to run. Nothing is installed when every tool is there.
 *
 * Environment:
 * - NUMAFLOW_SOAK_NO_INSTALL: set (not `0` or `false`) to never install, only say what to run.
 * - CHROMIUM_PATH: the browser to use, instead of looking for one.
 * - NUMAFLOW_SOAK_OS_RELEASE: the os-release file that says the distribution
 *   (@default /etc/os-release); tests point it elsewhere.
 *
 * Usage: npx tsx scripts/ensure-test-tools.ts
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import {
  describeStatus,
  distroOf,
  findTool,
  installPlan,
  onPath,
  planCommands,
  SYSTEM_TOOLS,
  type Distro,
  type InstallPlan,
  type ToolStatus,
} from './system-tools';

const env = process.env;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const say = (line: string) => process.stderr.write(`${line}\n`);

function readOsRelease(): string | undefined {
  try {
    return fs.readFileSync(env.NUMAFLOW_SOAK_OS_RELEASE || '/etc/os-release', 'utf8');
  } catch {
    return undefined;
  }
}

/** Why this process may not install the plan; undefined when it may. */
function installBlocker(plan: InstallPlan): string | undefined {
  const no = env.NUMAFLOW_SOAK_NO_INSTALL;
  if (no && no !== '0' && no !== 'false') return 'NUMAFLOW_SOAK_NO_INSTALL is set';
  if (plan.apt.length > 0 && !onPath('apt-get', env)) return 'apt-get is not on PATH';
  if (plan.commands.length > 0 && !onPath('npx', env)) return 'npx is not on PATH';
  if (!isRoot && plan.apt.length > 0) {
    if (!onPath('sudo', env)) return 'not root, and sudo is not on PATH';
    if (spawnSync('sudo', ['-n', 'true'], { env, stdio: 'ignore' }).status !== 0) return 'not root, and sudo asks for a password';
  }
  return undefined;
}

/** Runs one command, its output shown; false when it fails. */
function run(argv: readonly string[]): boolean {
  say(`+ ${argv.join(' ')}`);
  const r = spawnSync(argv[0], argv.slice(1), { env: { ...env, DEBIAN_FRONTEND: 'noninteractive' }, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status === 0) return true;
  say(`ensure-test-tools: \`${argv.join(' ')}\` failed (${r.error ? r.error.message : r.signal ?? `exit ${r.status}`})`);
  return false;
}

/** Whether the archive (as of the last `apt-get update`) has a package of that name. */
function hasPackage(name: string): boolean {
  if (!onPath('apt-cache', env)) return false;
  return spawnSync('apt-cache', ['show', '--no-all-versions', name], { env, stdio: 'ignore' }).status === 0;
}

/** Carries out the plan; the packages are chosen again once the package lists are fresh. */
function carryOut(problems: readonly ToolStatus[], distro: Distro, plan: InstallPlan): boolean {
  const sudo = isRoot ? [] : ['sudo', '-n'];
  if (plan.apt.length > 0) {
    if (!run([...sudo, 'apt-get', 'update'])) return false;
    const fresh = installPlan(problems, distro, hasPackage);
    if (!run([...sudo, 'apt-get', 'install', '-y', ...fresh.apt])) return false;
  }
  return plan.commands.every((c) => run(c));
}

function listProblems(problems: readonly ToolStatus[]): void {
  say('The tests need system tools that are missing or too old here:');
  for (const p of problems) say(`  - ${describeStatus(p)}`);
}

function main(): number {
  const statuses = SYSTEM_TOOLS.map((t) => findTool(t, env));
  const problems = statuses.filter((s) => s.state !== 'ok');
  if (problems.length === 0) {
    say(`test tools: ${statuses.map(describeStatus).join(', ')}`);
    return 0;
  }
  const distro = distroOf(readOsRelease());
  const plan = installPlan(problems, distro, hasPackage);
  listProblems(problems);
  const commands = planCommands(plan, !isRoot);
  if (plan.manual.length > 0) {
    const onDebian = installPlan(problems, 'debian').apt.join(' ');
    say(distro === 'other' ? `This is neither Debian nor Ubuntu: install them by hand (on Debian: apt-get install -y ${onDebian}).` : 'Fix by hand:');
    for (const p of plan.manual) say(`  - ${describeStatus(p)}`);
    if (commands.length > 0) say(`and run:\n${commands.map((c) => `  ${c}`).join('\n')}`);
    return 1;
  }
  const blocker = installBlocker(plan);
  if (blocker) {
    say(`Not installing them (${blocker}). Run:\n${commands.map((c) => `  ${c}`).join('\n')}\nthen run the tests again.`);
    return 1;
  }
  say(`Installing them (set NUMAFLOW_SOAK_NO_INSTALL=1 to be asked instead): ${commands.join('; ')}`);
  if (!carryOut(problems, distro, plan)) return 1;
  const after = SYSTEM_TOOLS.map((t) => findTool(t, env));
  const left = after.filter((s) => s.state !== 'ok');
  if (left.length > 0) {
    say('After installing, still:');
    for (const p of left) say(`  - ${describeStatus(p)}`);
    return 1;
  }
  say(`test tools: ${after.map(describeStatus).join(', ')}`);
  return 0;
}

process.exitCode = main();
