/**
 * The system tools the test suite runs besides Node: one list (SYSTEM_TOOLS), read by
 * scripts/ensure-test-tools.ts, which `npm test`, .ci/run and the pull-request workflow's
 * test job run before jest, and by the tests that start a tool (test/diff/html.test.ts finds
 * its browser with findTool).
 *
 * Each tool has the commands it may go by, the oldest version the tests accept and how to
 * install it on Debian (this project's machines) and on Ubuntu (GitHub's runners).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The distributions the tools can be installed on; anything else is set up by hand. */
export type Distro = 'debian' | 'ubuntu' | 'other';

/**
 * How a missing tool is installed: a package of the distribution's archive (`apt`, or
 * `orElse` where the archive has no package of that name), or a command.
 */
export type InstallMethod = { readonly apt: string; readonly orElse?: string } | { readonly command: readonly string[] };

export interface SystemTool {
  /** The name the messages use. */
  readonly name: string;
  /** Commands looked up on PATH, in this order; the first that reports an accepted version is used. */
  readonly commands: readonly string[];
  /**
   * An environment variable that names the executable. When it is set, only that file is
   * tried (a wrong one is an error, never a fallback).
   * @default none
   */
  readonly pathVariable?: string;
  /** Arguments that make the tool print its version. */
  readonly versionArgs: readonly string[];
  /** The oldest version the tests accept (major.minor[.patch]). */
  readonly minVersion: string;
  /** Why that minimum, for the README and the messages. */
  readonly minVersionReason: string;
  /** The tests (or scripts) that run it. */
  readonly usedBy: string;
  /** How to install it, per distribution. */
  readonly install: { readonly [D in Exclude<Distro, 'other'>]: InstallMethod };
  /**
   * Executables to try after PATH, e.g. a browser Playwright downloaded (absolute paths;
   * a function, as they may depend on the environment).
   * @default none
   */
  readonly extraCandidates?: (env: NodeJS.ProcessEnv) => string[];
}

/**
 * Where `playwright-core install chromium` puts Chromium under `env` (PLAYWRIGHT_BROWSERS_PATH,
 * HOME, XDG_CACHE_HOME), asked of playwright-core itself in a child process: it reads its
 * registry folder from the environment once, when loaded. Empty when playwright-core is not
 * installed.
 */
export function playwrightChromium(env: NodeJS.ProcessEnv): string[] {
  const r = spawnSync(process.execPath, ['-e', "process.stdout.write(require('playwright-core').chromium.executablePath())"], {
    cwd: path.resolve(__dirname, '..'),
    env,
    encoding: 'utf8',
    timeout: 60_000,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return r.status === 0 && r.stdout ? [r.stdout] : [];
}

/**
 * prometheus and promtool: 2.42.0 is the oldest the suite has run with (Debian 12). What the
 * tests use needs at least 2.26: last_over_time and clamp (promql/functions.go, from v2.26.0)
 * and --web.config.file (cmd/prometheus/main.go through exporter-toolkit, from v2.24.0).
 * Ubuntu 24.04 ships 2.45.3 (packages.ubuntu.com/noble/prometheus, 2.45.3+ds-2ubuntu0.3);
 * 2.43 to 2.45 change nothing the tests read (CHANGELOG.md of v2.45.3: the promtool messages
 * the alert tests match, "could not parse expression" in model/rulefmt/rulefmt.go and
 * "alertname: " in cmd/promtool/unittest.go, are the same in v2.42.0 and v2.45.3).
 */
const PROMETHEUS_MIN = '2.42.0';
const PROMETHEUS_REASON =
  'the oldest the suite has run with (Debian 12); it needs last_over_time and clamp (2.26) and --web.config.file TLS (2.24); Ubuntu 24.04 ships 2.45.3';

export const SYSTEM_TOOLS: readonly SystemTool[] = [
  {
    name: 'prometheus',
    commands: ['prometheus'],
    versionArgs: ['--version'],
    minVersion: PROMETHEUS_MIN,
    minVersionReason: PROMETHEUS_REASON,
    usedBy: 'the real-Prometheus tests (test/recommend/prometheus*.test.ts, test/cli/secured-prometheus.test.ts, doctor and verdict tests) and npm run bench:recommend',
    install: { debian: { apt: 'prometheus' }, ubuntu: { apt: 'prometheus' } },
  },
  {
    name: 'promtool',
    commands: ['promtool'],
    versionArgs: ['--version'],
    minVersion: PROMETHEUS_MIN,
    minVersionReason: PROMETHEUS_REASON,
    usedBy: 'backfilling the test Prometheus, promtool check/test rules on the alerts and the dashboard, the dataset test',
    // Debian 12 and Ubuntu 24.04 ship promtool in `prometheus`; later releases (Ubuntu 25.10,
    // 26.04: packages.ubuntu.com/resolute/promtool) in a package of its own.
    install: { debian: { apt: 'promtool', orElse: 'prometheus' }, ubuntu: { apt: 'promtool', orElse: 'prometheus' } },
  },
  {
    name: 'chromium',
    // chromium: Debian's package, and on GitHub's Ubuntu images a link to the Chromium snapshot
    // the image installs (actions/runner-images images/ubuntu/scripts/build/install-google-chrome.sh
    // links /usr/bin/chromium and /usr/bin/chromium-browser); google-chrome: Google's package.
    commands: ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'],
    pathVariable: 'CHROMIUM_PATH',
    versionArgs: ['--version'],
    minVersion: '150.0',
    minVersionReason: 'the oldest the HTML test has run with (Debian 12\'s chromium 150); playwright-core 1.65.1 drives it over CDP and ships Chromium 159 itself',
    usedBy: 'test/diff/html.test.ts (the HTML report, rendered by headless Chromium through playwright-core)',
    // Ubuntu's own `chromium` package is only a wrapper that installs a snap, which does not
    // run in CI; there the browser Playwright pins (playwright-core's browsers.json) is used.
    install: { debian: { apt: 'chromium' }, ubuntu: { command: ['npx', '--no-install', 'playwright-core', 'install', '--with-deps', '--no-shell', 'chromium'] } },
    extraCandidates: playwrightChromium,
  },
  {
    name: 'openssl',
    commands: ['openssl'],
    versionArgs: ['version'],
    minVersion: '1.1.1',
    // openssl.org/docs/man1.1.1/man1/req.html documents -addext; 1.1.0's req has none.
    minVersionReason: '`openssl req -addext`, which the certificate tests use, came with 1.1.1',
    usedBy: 'the certificates of test/cli/secured-prometheus.test.ts and test/cli/prometheus-options.test.ts',
    install: { debian: { apt: 'openssl' }, ubuntu: { apt: 'openssl' } },
  },
  {
    name: 'git',
    commands: ['git'],
    versionArgs: ['--version'],
    minVersion: '2.28.0',
    // init.defaultBranch: Documentation/RelNotes/2.28.0.txt of git.
    minVersionReason: 'the revision tests name their branch with init.defaultBranch (2.28)',
    usedBy: 'the git-revision diffs (src/diff/revision.ts, test/cli/diff-command.test.ts)',
    install: { debian: { apt: 'git' }, ubuntu: { apt: 'git' } },
  },
];

// ---------------------------------------------------------------------------------------
// Versions

/** The first `major.minor[.patch]` in a text, as numbers; undefined when there is none. */
export function parseVersion(text: string): number[] | undefined {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

/** Negative, zero or positive as a is older than, equal to or newer than b. */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------
// Finding a tool

export type ToolStatus =
  | { readonly tool: SystemTool; readonly state: 'ok'; readonly path: string; readonly version: string }
  | { readonly tool: SystemTool; readonly state: 'missing' }
  | { readonly tool: SystemTool; readonly state: 'too-old'; readonly path: string; readonly version: string }
  | { readonly tool: SystemTool; readonly state: 'unreadable'; readonly path: string; readonly output: string }
  | { readonly tool: SystemTool; readonly state: 'bad-variable'; readonly variable: string; readonly value: string };

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first executable `name` on the PATH of `env`. */
export function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    if (isExecutableFile(file)) return file;
  }
  return undefined;
}

/** Runs `file --version` (or the tool's version arguments) and judges the version it prints. */
function probe(tool: SystemTool, file: string, env: NodeJS.ProcessEnv): ToolStatus {
  const run = spawnSync(file, [...tool.versionArgs], { env, encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = `${run.stdout ?? ''}`;
  // Debian's chromium wrapper prints shell warnings on stderr: read stdout first.
  const version = run.status === 0 ? parseVersion(out) ?? parseVersion(`${run.stderr ?? ''}`) : undefined;
  if (!version) {
    const output = `${run.error ? run.error.message : ''}${out}${run.stderr ?? ''}`.trim().split('\n')[0] ?? '';
    return { tool, state: 'unreadable', path: file, output: output || `exit ${run.status}` };
  }
  const text = version.join('.');
  const ok = compareVersions(version, parseVersion(tool.minVersion)!) >= 0;
  return ok ? { tool, state: 'ok', path: file, version: text } : { tool, state: 'too-old', path: file, version: text };
}

/**
 * Finds a tool: the file its variable names if that is set, else the first of its commands on
 * PATH (then its extra candidates) that reports an accepted version. When none does, the
 * first one found tells why (too old, version unreadable), or the tool is missing.
 */
export function findTool(tool: SystemTool, env: NodeJS.ProcessEnv = process.env): ToolStatus {
  const forced = tool.pathVariable ? env[tool.pathVariable] : undefined;
  if (tool.pathVariable && forced) {
    if (!isExecutableFile(forced)) return { tool, state: 'bad-variable', variable: tool.pathVariable, value: forced };
    return probe(tool, forced, env);
  }
  const tried = new Set<string>();
  let first: ToolStatus | undefined;
  const tryFile = (file: string | undefined): ToolStatus | undefined => {
    if (!file || tried.has(file) || !isExecutableFile(file)) return undefined;
    tried.add(file);
    const status = probe(tool, file, env);
    first ??= status;
    return status.state === 'ok' ? status : undefined;
  };
  for (const command of tool.commands) {
    const ok = tryFile(onPath(command, env));
    if (ok) return ok;
  }
  // Only when PATH has nothing acceptable: the extra places may be slow to compute.
  for (const file of tool.extraCandidates?.(env) ?? []) {
    const ok = tryFile(file);
    if (ok) return ok;
  }
  return first ?? { tool, state: 'missing' };
}

/** One line saying what is wrong with a tool (or where it is). */
export function describeStatus(s: ToolStatus): string {
  const need = `needs ${s.tool.name} >= ${s.tool.minVersion}`;
  switch (s.state) {
    case 'ok':
      return `${s.tool.name} ${s.version} (${s.path})`;
    case 'missing':
      return `${s.tool.name}: not found (looked for ${s.tool.commands.join(', ')} on PATH${s.tool.pathVariable ? `; ${s.tool.pathVariable} is not set` : ''}); ${need}`;
    case 'too-old':
      return `${s.tool.name}: ${s.path} is ${s.version}, too old; ${need}: ${s.tool.minVersionReason}`;
    case 'unreadable':
      return `${s.tool.name}: ${s.path} --version gave no version (${s.output}); ${need}`;
    case 'bad-variable':
      return `${s.tool.name}: ${s.variable}=${s.value} is not an executable file; set it to the browser's executable or unset it`;
  }
}

// ---------------------------------------------------------------------------------------
// Installing

/** The distribution of an os-release file's text (ID, then ID_LIKE). */
export function distroOf(osRelease: string | undefined): Distro {
  if (!osRelease) return 'other';
  const field = (key: string) => new RegExp(`^${key}=["']?([^"'\\n]*)`, 'm').exec(osRelease)?.[1] ?? '';
  const ids = [field('ID'), ...field('ID_LIKE').split(/\s+/)];
  if (ids.includes('ubuntu')) return 'ubuntu';
  if (ids.includes('debian')) return 'debian';
  return 'other';
}

export interface InstallPlan {
  /** Packages for `apt-get install -y`, in list order, each once. */
  readonly apt: readonly string[];
  /** Other commands, each once. */
  readonly commands: ReadonlyArray<readonly string[]>;
  /** Problems no install fixes here (a wrong variable, an unknown distribution). */
  readonly manual: readonly ToolStatus[];
}

/**
 * What to install on `distro` for the tools that are not ok. `hasPackage` says whether the
 * archive has a package of that name (`apt-cache show`); without it, `orElse` is taken.
 */
export function installPlan(problems: readonly ToolStatus[], distro: Distro, hasPackage: (name: string) => boolean = () => false): InstallPlan {
  const apt: string[] = [];
  const commands: Array<readonly string[]> = [];
  const manual: ToolStatus[] = [];
  for (const p of problems) {
    if (p.state === 'ok') continue;
    if (p.state === 'bad-variable' || distro === 'other') {
      manual.push(p);
      continue;
    }
    const method = p.tool.install[distro];
    if ('apt' in method) {
      const name = method.orElse === undefined || hasPackage(method.apt) ? method.apt : method.orElse;
      if (!apt.includes(name)) apt.push(name);
    } else if (!commands.some((c) => c.join(' ') === method.command.join(' '))) {
      commands.push(method.command);
    }
  }
  return { apt, commands, manual };
}

/** The shell commands that carry out a plan, `sudo ` before the apt ones when not root. */
export function planCommands(plan: InstallPlan, sudo: boolean): string[] {
  const s = sudo ? 'sudo ' : '';
  const lines: string[] = [];
  if (plan.apt.length > 0) lines.push(`${s}apt-get update && ${s}apt-get install -y ${plan.apt.join(' ')}`);
  for (const c of plan.commands) lines.push(c.join(' '));
  return lines;
}
