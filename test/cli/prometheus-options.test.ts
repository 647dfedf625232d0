/**
 * The options that reach a secured Prometheus (src/cli/prometheus-options.ts), without a
 * server: bad input is one line naming the flag or variable, exit 1, nothing written and no
 * secret echoed; flags win over environment variables; the reproduce line carries no secret.
 * test/cli/secured-prometheus.test.ts runs them against a real, secured Prometheus.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { prometheusConnection, redactPrometheusArgs, withoutUserinfo } from '../../src/cli/prometheus-options';
import { splitUserinfo } from '../../src/recommend/http-transport';
import { capture, tempDir, tempProject } from '../support/diff';

const dir = tempDir('numaflow-soak-options-');
const file = (name: string, text?: string) => {
  const f = path.join(dir, name);
  if (text !== undefined) fs.writeFileSync(f, text);
  return f;
};

beforeAll(() => {
  // A certificate and a key that is not its own.
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'a.key', '-out', 'a.pem', '-days', '1', '-subj', '/CN=a');
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'b.key');
  file('token', 'tok-3f9a\n');
  file('password', 'pw-77c1\n');
  file('empty', '\n');
  fs.mkdirSync(file('a-directory'), { recursive: true });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('bad input: one line naming the flag, exit 1, nothing written', () => {
  const HTTP = ['--prometheus-url', 'http://127.0.0.1:9'];
  const HTTPS = ['--prometheus-url', 'https://127.0.0.1:9'];
  const cases: [string, () => string[], string, Record<string, string>?][] = [
    ['a header without a colon', () => [...HTTP, '--prometheus-header', 'X-Scope-OrgID=secret-1f'], "option '--prometheus-header' expects 'Name: value', e.g. 'X-Scope-OrgID: tenant-1' (got a value without a colon)"],
    ['a header with an empty name', () => [...HTTP, '--prometheus-header', ': secret-1f'], "option '--prometheus-header' expects 'Name: value', e.g. 'X-Scope-OrgID: tenant-1' (got an empty header name)"],
    ['a header name with a space', () => [...HTTP, '--prometheus-header', 'Scope Org: secret-1f'], `option '--prometheus-header': "Scope Org" is not a valid header name (letters, digits and !#$%&'*+.^_\`|~-)`],
    ['a header numaflow-soak sets itself', () => [...HTTP, '--prometheus-header', 'Content-Type: text/plain'], "option '--prometheus-header': header 'Content-Type' is set by numaflow-soak itself"],
    ['a header given twice', () => [...HTTP, '--prometheus-header', 'X-Scope-OrgID: a', '--prometheus-header', 'x-scope-orgid: b'], "option '--prometheus-header': header 'x-scope-orgid' is given twice"],
    ['a missing bearer token file', () => [...HTTP, '--bearer-token-file', file('nope')], `option '--bearer-token-file': cannot read ${file('nope')}: no such file`],
    ['a bearer token file that is a directory', () => [...HTTP, '--bearer-token-file', file('a-directory')], `option '--bearer-token-file': cannot read ${file('a-directory')}: it is a directory`],
    ['an empty bearer token file', () => [...HTTP, '--bearer-token-file', file('empty')], `option '--bearer-token-file': ${file('empty')} is empty`],
    ['a missing password file', () => [...HTTP, '--basic-auth-user', 'bob', '--basic-auth-password-file', file('nope')], `option '--basic-auth-password-file': cannot read ${file('nope')}: no such file`],
    ['a missing CA file', () => [...HTTPS, '--ca-file', file('nope')], `option '--ca-file': cannot read ${file('nope')}: no such file`],
    ['a CA file without a certificate', () => [...HTTPS, '--ca-file', file('token')], `option '--ca-file': ${file('token')} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`],
    ['a missing client certificate', () => [...HTTPS, '--client-cert', file('nope'), '--client-key', file('a.key')], `option '--client-cert': cannot read ${file('nope')}: no such file`],
    ['a missing client key', () => [...HTTPS, '--client-cert', file('a.pem'), '--client-key', file('nope')], `option '--client-key': cannot read ${file('nope')}: no such file`],
    ['a client certificate without its key', () => [...HTTPS, '--client-cert', file('a.pem')], "option '--client-cert' needs --client-key too (the certificate's private key)"],
    ['a client key without its certificate', () => [...HTTPS, '--client-key', file('a.key')], "option '--client-key' needs --client-cert too (the certificate the key belongs to)"],
    ['a key that is not the certificate\'s', () => [...HTTPS, '--client-cert', file('a.pem'), '--client-key', file('b.key')], `option '--client-key': ${file('b.key')} is not the private key of ${file('a.pem')}`],
    ['user info in the URL and --basic-auth-user', () => ['--prometheus-url', 'http://alice:secret-1f@127.0.0.1:9', '--basic-auth-user', 'bob'], "--prometheus-url carries a user and password (user:password@host) and '--basic-auth-user' is given too; give the credentials one way"],
    ['user info in the URL and a password file', () => ['--prometheus-url', 'http://alice:secret-1f@127.0.0.1:9', '--basic-auth-password-file', file('password')], "--prometheus-url carries a user and password (user:password@host) and '--basic-auth-password-file' is given too; give the credentials one way"],
    ['a basic auth user without a password file', () => [...HTTP, '--basic-auth-user', 'bob'], "option '--basic-auth-user' needs --basic-auth-password-file too (the file holding the password)"],
    ['a password file without a user', () => [...HTTP, '--basic-auth-password-file', file('password')], "option '--basic-auth-password-file' needs --basic-auth-user too"],
    ['basic auth and a bearer token', () => [...HTTP, '--basic-auth-user', 'bob', '--basic-auth-password-file', file('password'), '--bearer-token-file', file('token')], "option '--bearer-token-file' and basic auth both set the Authorization header; give one of them"],
    ['a TLS option with an http:// URL', () => [...HTTP, '--ca-file', file('a.pem')], "option '--ca-file' applies to an https:// --prometheus-url (got http://…)"],
    ['a Prometheus option with the embedded dataset', () => ['--embedded', '--bearer-token-file', file('token')], "option '--bearer-token-file' applies to --prometheus-url only, not to the embedded dataset"],
    ['a URL that does not parse, with a password in it', () => ['--prometheus-url', 'http://alice:secret-1f@[::1'], "--prometheus-url expects an http(s) URL (got 'http://<redacted>@[::1')"],
    ['a missing file named by a variable', () => HTTP, `environment variable NUMAFLOW_SOAK_BEARER_TOKEN_FILE: cannot read ${file('nope')}: no such file`, { NUMAFLOW_SOAK_BEARER_TOKEN_FILE: file('nope') }],
    ['a malformed header in the variable', () => HTTP, "environment variable NUMAFLOW_SOAK_PROMETHEUS_HEADERS expects 'Name: value', e.g. 'X-Scope-OrgID: tenant-1' (got a value without a colon)", { NUMAFLOW_SOAK_PROMETHEUS_HEADERS: 'X-Scope-OrgID: a\nsecret-1f' }],
    ['an insecure-skip variable that is not a boolean', () => HTTPS, "environment variable NUMAFLOW_SOAK_INSECURE_SKIP_TLS_VERIFY expects true or false (got 'sure')", { NUMAFLOW_SOAK_INSECURE_SKIP_TLS_VERIFY: 'sure' }],
  ];

  it.each(cases)('%s', async (_what, argv, message, env = {}) => {
    const root = tempProject();
    const stack = path.join(root, 'stacks', 'Pulumi.rightsized.yaml');
    const before = fs.readFileSync(stack, 'utf8');
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const { code, stdout, stderr } = await capture(() => main(['recommend', ...argv(), '--write', '--root', root]));
      expect(stderr).toBe(`numaflow-soak recommend: ${message}\n`);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).not.toContain('secret-1f');
      expect(fs.readFileSync(stack, 'utf8')).toBe(before);
      expect(fs.readdirSync(path.join(root, 'stacks')).filter((f) => f.includes('provenance'))).toEqual([]);
    } finally {
      process.env = saved;
    }
  });
});

describe('flags and environment variables', () => {
  const url = 'https://prometheus.test:9090';
  const connect = (argv: Record<string, unknown>, env: Record<string, string> = {}) => prometheusConnection('verdict', { 'prometheus-url': url, ...argv }, env);

  it('reads each setting from its variable when the flag is absent, and the flag wins over it', () => {
    const env = {
      NUMAFLOW_SOAK_PROMETHEUS_HEADERS: 'X-Scope-OrgID: from-env\nX-Extra: kept\n',
      NUMAFLOW_SOAK_BASIC_AUTH_USER: 'env-user',
      NUMAFLOW_SOAK_BASIC_AUTH_PASSWORD_FILE: file('password'),
      NUMAFLOW_SOAK_CA_FILE: file('a.pem'),
      NUMAFLOW_SOAK_INSECURE_SKIP_TLS_VERIFY: 'true',
    };
    const fromEnv = connect({}, env);
    expect(fromEnv.auth).toEqual({ headers: [['X-Scope-OrgID', 'from-env'], ['X-Extra', 'kept']], basicAuth: { user: 'env-user', password: 'pw-77c1' } });
    expect(fromEnv.tls).toEqual({ ca: fs.readFileSync(file('a.pem'), 'utf8'), insecureSkipVerify: true });
    expect(fromEnv.summary).toBe(`  prometheus: basic auth as user "env-user", headers X-Scope-OrgID, X-Extra, CA ${file('a.pem')}, server certificate NOT verified`);

    const flags = connect({ 'prometheus-header': ['x-scope-orgid: from-flag'], 'basic-auth-user': 'flag-user' }, env);
    expect(flags.auth).toEqual({ headers: [['x-scope-orgid', 'from-flag'], ['X-Extra', 'kept']], basicAuth: { user: 'flag-user', password: 'pw-77c1' } });
  });

  it('takes the kind of credentials the command line gives; the environment\'s other kind is ignored', () => {
    const env = { NUMAFLOW_SOAK_BEARER_TOKEN_FILE: file('token'), NUMAFLOW_SOAK_BASIC_AUTH_USER: 'env-user', NUMAFLOW_SOAK_BASIC_AUTH_PASSWORD_FILE: file('password') };
    expect(connect({ 'bearer-token-file': file('token') }, env).auth).toEqual({ bearerToken: 'tok-3f9a' });
    expect(connect({ 'basic-auth-user': 'bob' }, env).auth).toEqual({ basicAuth: { user: 'bob', password: 'pw-77c1' } });
    expect(prometheusConnection('verdict', { 'prometheus-url': 'https://carol:c%40rol@prometheus.test:9090' }, env).auth).toEqual({ basicAuth: { user: 'carol', password: 'c@rol' } });
    expect(() => connect({}, env)).toThrow('environment variable NUMAFLOW_SOAK_BEARER_TOKEN_FILE and basic auth both set the Authorization header; give one of them');
  });

  it('ignores TLS variables for an http:// URL (ambient settings), but not TLS flags', () => {
    const env = { NUMAFLOW_SOAK_CA_FILE: file('nope'), NUMAFLOW_SOAK_INSECURE_SKIP_TLS_VERIFY: 'true' };
    const plain = prometheusConnection('verdict', { 'prometheus-url': 'http://prometheus.test:9090' }, env);
    expect(plain.tls).toEqual({});
    expect(plain.warnings).toEqual([]);
    expect(() => prometheusConnection('verdict', { 'prometheus-url': 'http://prometheus.test:9090', 'insecure-skip-tls-verify': true }, {})).toThrow(
      "option '--insecure-skip-tls-verify' applies to an https:// --prometheus-url",
    );
  });

  it('takes user info out of the URL: basic auth, and the reproduce line names the options without the password', () => {
    const c = prometheusConnection('verdict', { 'prometheus-url': 'http://alice:p@ss:w0rd@prometheus.test:9090/prefix' }, {});
    expect(c.url).toBe('http://prometheus.test:9090/prefix');
    expect(c.auth).toEqual({ basicAuth: { user: 'alice', password: 'p@ss:w0rd' } });
    expect(c.reproduce).toEqual(['--basic-auth-user', 'alice', '--basic-auth-password-file', '<file holding the password>']);
    expect(splitUserinfo('https://prometheus.test:9090')).toEqual({ url: 'https://prometheus.test:9090' });
    expect(withoutUserinfo('htp://alice:secret@host')).toBe('htp://<redacted>@host');
  });
});

describe('the reproduce line', () => {
  it('keeps header names and file paths, never a header value or URL user info', () => {
    expect(
      redactPrometheusArgs([
        '--prometheus-header',
        'X-Scope-OrgID: tenant-9',
        '--prometheus-header=Authorization: Bearer abc',
        '--prometheus-url=https://u:pw@h:1',
        '--bearer-token-file',
        '/run/secrets/token',
        '--selector',
        'cluster="a"',
      ]),
    ).toEqual(['--prometheus-header', 'X-Scope-OrgID: <redacted>', '--prometheus-header=Authorization: <redacted>', '--prometheus-url=https://h:1', '--bearer-token-file', '/run/secrets/token', '--selector', 'cluster="a"']);
  });

  it('is what the help text lists: every option, repeatable headers', async () => {
    const { stdout } = await capture(() => main(['verdict', '--help']));
    for (const option of ["--prometheus-header 'Name: value'", '--bearer-token-file <file>', '--basic-auth-user <user>', '--basic-auth-password-file <file>', '--ca-file <file>', '--client-cert <file>', '--client-key <file>', '--insecure-skip-tls-verify']) {
      expect(stdout).toContain(`  ${option}`);
    }
    expect(stdout).toMatch(/--prometheus-header 'Name: value' +an HTTP header .*\(repeatable\)/);
  });
});
