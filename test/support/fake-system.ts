/**
 * A machine in a folder, for running scripts/ensure-test-tools.ts the way `npm test`, .ci/run
 * and the workflow run it: a `bin` folder that is the whole PATH, holding stand-ins for the
 * tools (shell scripts that print a version line), for a passwordless `sudo`, for `apt-get` (logs its calls and
 * "installs" a package by writing its stand-ins) and for `npx` (runs tsx for real, logs and
 * fakes `playwright-core install chromium`), and an os-release file that says the distribution.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { playwrightChromium } from '../../scripts/system-tools';

export const ROOT = path.resolve(__dirname, '../..');
const TSX_CLI = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

/** What each tool prints for its version, as the real ones do (Ubuntu 24.04's where they differ from Debian 12's). */
export const VERSION_LINES: Record<string, string> = {
  prometheus: 'prometheus, version 2.45.3+ds (branch: debian/sid, revision: 2.45.3+ds-2ubuntu0.3)',
  promtool: 'promtool, version 2.45.3+ds (branch: debian/sid, revision: 2.45.3+ds-2ubuntu0.3)',
  chromium: 'Chromium 150.0.7871.100 built on Debian GNU/Linux 12 (bookworm)',
  openssl: 'OpenSSL 3.0.13 30 Jan 2024 (Library: OpenSSL 3.0.13 30 Jan 2024)',
  git: 'git version 2.43.0',
};

/**
 * The commands each apt package brings: Debian 12's and Ubuntu 24.04's archives, or, with
 * `promtoolPackage`, later ones that ship promtool in a package of its own.
 */
function packageCommands(promtoolPackage: boolean): Record<string, string[]> {
  const base = { chromium: ['chromium'], openssl: ['openssl'], git: ['git'] };
  return promtoolPackage ? { ...base, prometheus: ['prometheus'], promtool: ['promtool'] } : { ...base, prometheus: ['prometheus', 'promtool'] };
}

export const OS_RELEASE = {
  debian: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n',
  ubuntu: 'PRETTY_NAME="Ubuntu 24.04.3 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\n',
  fedora: 'NAME="Fedora Linux"\nVERSION_ID=41\nID=fedora\n',
};

export interface FakeMachine {
  readonly dir: string;
  readonly bin: string;
  /** apt-get's and npx's logged calls, one line each (`apt-get install -y git`). */
  calls(): string[];
  /** Puts a tool stand-in on PATH that prints `line` for its version (exit `code`). */
  tool(name: string, line?: string, code?: number): string;
  /** The environment to run the script with. */
  env(extra?: Record<string, string>): Record<string, string>;
}

const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function writeExecutable(file: string, body: string): void {
  fs.writeFileSync(file, body, { mode: 0o755 });
}

export function fakeMachine(dir: string, distro: keyof typeof OS_RELEASE, options: { promtoolPackage?: boolean } = {}): FakeMachine {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  const log = path.join(dir, 'calls.log');
  fs.writeFileSync(log, '');
  const osRelease = path.join(dir, 'os-release');
  fs.writeFileSync(osRelease, OS_RELEASE[distro]);
  const browsers = path.join(dir, 'ms-playwright');

  const toolScript = (line: string, code = 0) => `#!/bin/sh\necho ${sh(line)}\nexit ${code}\n`;
  // apt-get: logs, and for `install` writes each package's commands into bin.
  const packages = packageCommands(options.promtoolPackage ?? false);
  const installs = Object.entries(packages)
    .map(([pkg, commands]) => `    ${pkg}) ${commands.map((c) => `printf '%s\\n' ${sh(toolScript(VERSION_LINES[c]))} > ${sh(path.join(bin, c))}; /bin/chmod 755 ${sh(path.join(bin, c))}`).join('; ')} ;;`)
    .join('\n');
  writeExecutable(
    path.join(bin, 'apt-get'),
    `#!/bin/sh\necho "apt-get $*" >> ${sh(log)}\n[ "$1" = install ] || exit 0\nshift\nfor p in "$@"; do\n  case $p in\n${installs}\n    -y) ;;\n    *) echo "E: Unable to locate package $p" >&2; exit 100 ;;\n  esac\ndone\n`,
  );
  // apt-cache show: knows the archive's packages.
  writeExecutable(
    path.join(bin, 'apt-cache'),
    `#!/bin/sh\nfor p in "$@"; do case $p in -*|show) ;; ${Object.keys(packages).join('|')}) exit 0 ;; *) exit 100 ;; esac; done\nexit 100\n`,
  );
  // sudo (used when the tests do not run as root): passwordless, runs the rest.
  writeExecutable(path.join(bin, 'sudo'), '#!/bin/sh\n[ "$1" = -n ] && shift\n[ "$1" = true ] && exit 0\nexec "$@"\n');
  // npx: tsx runs for real (the script itself); playwright-core install is logged and faked
  // by writing a Chromium stand-in where playwright-core looks for its own download.
  const [playwrightChrome] = playwrightChromium({ ...process.env, PLAYWRIGHT_BROWSERS_PATH: browsers });
  if (!playwrightChrome?.startsWith(browsers)) throw new Error(`playwright-core puts Chromium at ${playwrightChrome}, outside ${browsers}`);
  writeExecutable(
    path.join(bin, 'npx'),
    [
      '#!/bin/sh',
      `if [ "$1" = --no-install ] && [ "$2" = tsx ]; then shift 2; exec ${sh(process.execPath)} ${sh(TSX_CLI)} "$@"; fi`,
      `echo "npx $*" >> ${sh(log)}`,
      `if [ "$1" = --no-install ] && [ "$2" = playwright-core ] && [ "$3" = install ]; then`,
      `  /bin/mkdir -p ${sh(path.dirname(playwrightChrome))}`,
      `  printf '%s\\n' ${sh(toolScript('Google Chrome for Testing 159.0.8154.6'))} > ${sh(playwrightChrome)}`,
      `  /bin/chmod 755 ${sh(playwrightChrome)}`,
      '  exit 0',
      'fi',
      'echo "fake npx: unexpected call" >&2; exit 99',
      '',
    ].join('\n'),
  );

  return {
    dir,
    bin,
    calls: () => fs.readFileSync(log, 'utf8').split('\n').filter(Boolean),
    tool(name, line = VERSION_LINES[name], code = 0) {
      const file = path.join(bin, name);
      writeExecutable(file, toolScript(line, code));
      return file;
    },
    env: (extra = {}) => ({ PATH: bin, HOME: dir, NUMAFLOW_SOAK_OS_RELEASE: osRelease, PLAYWRIGHT_BROWSERS_PATH: browsers, ...extra }),
  };
}

/** Runs scripts/ensure-test-tools.ts as `npx --no-install tsx scripts/ensure-test-tools.ts` does, in ROOT. */
export function runEnsure(env: Record<string, string>): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [TSX_CLI, path.join('scripts', 'ensure-test-tools.ts')], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}
