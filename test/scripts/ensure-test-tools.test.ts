/**
 * scripts/ensure-test-tools.ts, which `npm test`, .ci/run and the workflow run before jest,
 * and its tool list (scripts/system-tools.ts): run for real on machines made in a folder
 * (test/support/fake-system.ts), where PATH holds only stand-ins.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  compareVersions,
  distroOf,
  findTool,
  installPlan,
  parseVersion,
  planCommands,
  SYSTEM_TOOLS,
  type SystemTool,
  type ToolStatus,
} from '../../scripts/system-tools';
import { fakeMachine, OS_RELEASE, runEnsure, VERSION_LINES } from '../support/fake-system';

const tool = (name: string): SystemTool => SYSTEM_TOOLS.find((t) => t.name === name)!;
/** What the script puts before apt-get: nothing as root, `sudo ` otherwise. */
const SUDO = process.getuid?.() === 0 ? '' : 'sudo ';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ensure-test-tools-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the tool list', () => {
  it('names every tool the tests run, each with a minimum, a reason and an install on Debian and Ubuntu', () => {
    expect(SYSTEM_TOOLS.map((t) => t.name)).toEqual(['prometheus', 'promtool', 'chromium', 'openssl', 'git']);
    for (const t of SYSTEM_TOOLS) {
      expect(parseVersion(t.minVersion)).toBeDefined();
      expect(t.minVersionReason.length).toBeGreaterThan(10);
      expect(Object.keys(t.install).sort()).toEqual(['debian', 'ubuntu']);
    }
  });

  it('accepts the versions Debian 12 and Ubuntu 24.04 ship (prometheus 2.42.0 and 2.45.3)', () => {
    for (const line of ['prometheus, version 2.42.0+ds (branch: debian/sid, revision: 2.42.0+ds-5+deb12u1)', VERSION_LINES.prometheus]) {
      expect(compareVersions(parseVersion(line)!, parseVersion(tool('prometheus').minVersion)!)).toBeGreaterThanOrEqual(0);
    }
    expect(compareVersions(parseVersion('prometheus, version 2.41.0')!, parseVersion(tool('prometheus').minVersion)!)).toBeLessThan(0);
  });
});

describe('reading versions', () => {
  it.each([
    ['prometheus, version 2.42.0+ds (branch: debian/sid, revision: 2.42.0+ds-5+deb12u1)', [2, 42, 0]],
    ['Chromium 150.0.7871.100 built on Debian GNU/Linux 12 (bookworm)', [150, 0, 7871]],
    ['Google Chrome 143.0.7499.40 ', [143, 0, 7499]],
    ['OpenSSL 1.1.1w  11 Sep 2023', [1, 1, 1]],
    ['git version 2.39.5', [2, 39, 5]],
  ])('reads %j', (line, version) => {
    expect(parseVersion(line)).toEqual(version);
  });

  it('orders versions part by part, not as text', () => {
    expect(compareVersions([2, 9, 0], [2, 42, 0])).toBeLessThan(0);
    expect(compareVersions([150, 0, 0], [150])).toBe(0);
    expect(compareVersions([3, 0, 0], [2, 45, 3])).toBeGreaterThan(0);
  });

  it('tells Debian, Ubuntu and other systems apart by os-release', () => {
    expect(distroOf(OS_RELEASE.debian)).toBe('debian');
    expect(distroOf(OS_RELEASE.ubuntu)).toBe('ubuntu');
    expect(distroOf(OS_RELEASE.fedora)).toBe('other');
    expect(distroOf(undefined)).toBe('other');
  });
});

describe('finding a tool', () => {
  it('takes the first command on PATH that reports an accepted version', () => {
    const m = fakeMachine(tmp, 'debian');
    m.tool('chromium', 'Chromium 120.0.1 built on Debian');
    const chrome = m.tool('google-chrome', 'Google Chrome 151.0.1.2');
    expect(findTool(tool('chromium'), m.env())).toMatchObject({ state: 'ok', path: chrome, version: '151.0.1' });
  });

  it('reports the first one found as too old when none is new enough', () => {
    const m = fakeMachine(tmp, 'debian');
    const old = m.tool('prometheus', 'prometheus, version 2.31.2+ds1');
    expect(findTool(tool('prometheus'), m.env())).toMatchObject({ state: 'too-old', path: old, version: '2.31.2' });
  });

  it('reports a tool whose version command fails, and a missing one', () => {
    const m = fakeMachine(tmp, 'debian');
    m.tool('git', 'fatal: broken', 1);
    expect(findTool(tool('git'), m.env())).toMatchObject({ state: 'unreadable', output: 'fatal: broken' });
    expect(findTool(tool('openssl'), m.env())).toMatchObject({ state: 'missing' });
  });

  it('uses CHROMIUM_PATH alone when it is set, and refuses one that is not an executable', () => {
    const m = fakeMachine(tmp, 'debian');
    m.tool('chromium');
    const chosen = path.join(tmp, 'my-chrome');
    fs.writeFileSync(chosen, '#!/bin/sh\necho "Chromium 152.0.1.1"\n', { mode: 0o755 });
    expect(findTool(tool('chromium'), m.env({ CHROMIUM_PATH: chosen }))).toMatchObject({ state: 'ok', path: chosen });
    expect(findTool(tool('chromium'), m.env({ CHROMIUM_PATH: path.join(tmp, 'nothing') }))).toMatchObject({ state: 'bad-variable', variable: 'CHROMIUM_PATH' });
  });
});

describe('what to install', () => {
  const missing = (...names: string[]): ToolStatus[] => names.map((n) => ({ tool: tool(n), state: 'missing' as const }));

  it('installs the Debian packages, prometheus once for both of its commands where the archive has no promtool package', () => {
    const plan = installPlan(missing('prometheus', 'promtool', 'chromium', 'openssl', 'git'), 'debian', (name) => name !== 'promtool');
    expect(plan).toEqual({ apt: ['prometheus', 'chromium', 'openssl', 'git'], commands: [], manual: [] });
    expect(planCommands(plan, false)).toEqual(['apt-get update && apt-get install -y prometheus chromium openssl git']);
    expect(planCommands(plan, true)).toEqual(['sudo apt-get update && sudo apt-get install -y prometheus chromium openssl git']);
  });

  it('takes the promtool package where the archive has one', () => {
    expect(installPlan(missing('prometheus', 'promtool'), 'debian', () => true).apt).toEqual(['prometheus', 'promtool']);
  });

  it('on Ubuntu installs Playwright\'s Chromium instead of the snap-only chromium package', () => {
    const plan = installPlan(missing('promtool', 'chromium'), 'ubuntu');
    expect(plan.apt).toEqual(['prometheus']);
    expect(plan.commands).toEqual([['npx', '--no-install', 'playwright-core', 'install', '--with-deps', '--no-shell', 'chromium']]);
  });

  it('leaves a wrong CHROMIUM_PATH, and anything on another system, to be fixed by hand', () => {
    const bad: ToolStatus = { tool: tool('chromium'), state: 'bad-variable', variable: 'CHROMIUM_PATH', value: '/x' };
    expect(installPlan([bad], 'debian')).toEqual({ apt: [], commands: [], manual: [bad] });
    expect(installPlan(missing('git'), 'other').manual.map((p) => p.tool.name)).toEqual(['git']);
  });
});

describe('scripts/ensure-test-tools.ts', () => {
  const allTools = (m: ReturnType<typeof fakeMachine>) => {
    for (const name of ['prometheus', 'promtool', 'chromium', 'openssl', 'git']) m.tool(name);
  };

  it('passes without installing anything when every tool is there', () => {
    const m = fakeMachine(tmp, 'debian');
    allTools(m);
    const r = runEnsure(m.env());
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('test tools: prometheus 2.45.3');
    expect(m.calls()).toEqual([]);
  });

  it('passes on this machine, whose tools the rest of the suite uses', () => {
    const r = runEnsure({ ...process.env, NUMAFLOW_SOAK_NO_INSTALL: '1' } as Record<string, string>);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.stringMatching(/^test tools: prometheus \S+ \(.*\), promtool .*, chromium .*, openssl .*, git .*\n$/) });
  });

  it('with a tool missing and installing forbidden, stops with exit 1 and the exact command, installing nothing', () => {
    const m = fakeMachine(tmp, 'debian');
    allTools(m);
    fs.rmSync(path.join(m.bin, 'prometheus'));
    const r = runEnsure(m.env({ NUMAFLOW_SOAK_NO_INSTALL: '1' }));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('  - prometheus: not found (looked for prometheus on PATH); needs prometheus >= 2.42.0\n');
    expect(r.stderr).toContain(`Not installing them (NUMAFLOW_SOAK_NO_INSTALL is set). Run:\n  ${SUDO}apt-get update && ${SUDO}apt-get install -y prometheus\n`);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(m.calls()).toEqual([]);
  });

  it('with a tool too old, names the version found and the minimum, and the command that upgrades it', () => {
    const m = fakeMachine(tmp, 'debian');
    allTools(m);
    m.tool('git', 'git version 2.20.1');
    const r = runEnsure(m.env({ NUMAFLOW_SOAK_NO_INSTALL: 'true' }));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`  - git: ${path.join(m.bin, 'git')} is 2.20.1, too old; needs git >= 2.28.0`);
    expect(r.stderr).toContain(`  ${SUDO}apt-get update && ${SUDO}apt-get install -y git\n`);
  });

  it('where it may install (root or passwordless sudo, apt-get), installs what is missing, says so, and passes', () => {
    const m = fakeMachine(tmp, 'debian');
    m.tool('openssl');
    const r = runEnsure(m.env());
    expect(r.stderr).toContain(`Installing them (set NUMAFLOW_SOAK_NO_INSTALL=1 to be asked instead): ${SUDO}apt-get update && ${SUDO}apt-get install -y prometheus chromium git`);
    expect(m.calls()).toEqual(['apt-get update', 'apt-get install -y prometheus chromium git']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/test tools: prometheus 2\.45\.3 .*promtool 2\.45\.3 .*chromium 150\.0\.7871 .*openssl 3\.0\.13 .*git 2\.43\.0/);
  });

  it('where promtool has a package of its own (Ubuntu 25.10 and later), installs it beside prometheus', () => {
    const m = fakeMachine(tmp, 'ubuntu', { promtoolPackage: true });
    for (const name of ['chromium', 'openssl', 'git']) m.tool(name);
    const r = runEnsure(m.env());
    expect(m.calls()).toEqual(['apt-get update', 'apt-get install -y prometheus promtool']);
    expect(r.status).toBe(0);
  });

  it('fails when the install fails, naming the command', () => {
    const m = fakeMachine(tmp, 'debian');
    allTools(m);
    fs.rmSync(path.join(m.bin, 'git'));
    fs.writeFileSync(path.join(m.bin, 'apt-get'), '#!/bin/sh\necho "E: Could not get lock /var/lib/dpkg/lock-frontend" >&2\nexit 100\n', { mode: 0o755 });
    const r = runEnsure(m.env());
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('ensure-test-tools: `apt-get update` failed (exit 100)');
  });

  it('on a system without apt, lists what to install by hand and exits 1', () => {
    const m = fakeMachine(tmp, 'fedora');
    allTools(m);
    fs.rmSync(path.join(m.bin, 'chromium'));
    const r = runEnsure(m.env());
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('This is neither Debian nor Ubuntu: install them by hand (on Debian: apt-get install -y chromium).');
    expect(r.stderr).toContain('  - chromium: not found');
    expect(m.calls()).toEqual([]);
  });
});
