/**
 * `recommend` and `verdict` against a real Prometheus 2.42 secured the way users run one:
 * `--web.config.file` with TLS from this test's own CA (openssl), a required client
 * certificate, and basic-auth users (bcrypt hashes from bcryptjs). In front of it, a small
 * reverse proxy (node:http) wants a tenant header and a bearer token, as a Mimir or an auth
 * proxy would, and forwards to the real server with its own credentials.
 *
 * Right credentials read real data; wrong or missing ones give "authentication failed
 * (401)" and exit 4; an untrusted, a mismatched or a missing certificate gives a TLS error
 * naming the remedy. No secret reaches stdout, stderr or any file written, whatever way it
 * was given. One Prometheus for the file, holding 24 h 15 min at 150 s scrapes: the policy
 * sizes from 24 h after the 10-minute warm-up, read at a 5-minute step.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import bcrypt from 'bcryptjs';
import { main } from '../../src/cli/main';
import { generateSoakDataset } from '../../src/recommend/dataset';
import { transportFetch } from '../../src/recommend/http-transport';
import { isoTime } from '../../src/recommend/recommend';
import { capture, tempDir, tempProject, type Captured } from '../support/diff';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus';

// Secrets, each distinctive enough to grep for.
const ALICE = { user: 'alice', password: 'url-pass-5f2c9a71' }; // given in the URL
const BOB = { user: 'bob', password: 'file-pass-8d41e7c3' }; // given in a password file
const TOKEN = 'bearer-token-3b7e0c91d4';
const TENANT = 'tenant-secret-a6d2f0';

const dataset = generateSoakDataset({ days: 1 + 900 / 86400, scrapeSeconds: 150, duplicateScrapes: false, podLevelRows: false });
const WINDOW = ['--start', isoTime(dataset.start), '--end', isoTime(dataset.end), '--step', '5m'];

let dir: string;
let server: RunningPrometheus;
let proxy: http.Server;
let proxyUrl: string;
/** An https server whose certificate (from the same CA) names another host. */
let elsewhere: https.Server;
let elsewhereUrl: string;
const file = (name: string) => path.join(dir, name);

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A key and a certificate signed by the test CA, with the given extensions. */
function issue(name: string, subject: string, extensions: string): void {
  openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
  fs.writeFileSync(file(`${name}.ext`), extensions);
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', `${name}.pem`, '-extfile', `${name}.ext`);
}

const basic = (u: { user: string; password: string }) => `Basic ${Buffer.from(`${u.user}:${u.password}`).toString('base64')}`;

function listen(srv: http.Server | https.Server): Promise<number> {
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve((srv.address() as { port: number }).port)));
}

function close(srv: http.Server | https.Server | undefined): Promise<void> {
  if (!srv) return Promise.resolve();
  srv.closeAllConnections();
  return new Promise((resolve) => srv.close(() => resolve()));
}

beforeAll(async () => {
  dir = tempDir('numaflow-soak-secured-');
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=numaflow-soak test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  issue('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  issue('client', '/CN=numaflow-soak client', 'extendedKeyUsage=clientAuth\n');
  issue('elsewhere', '/CN=prometheus.elsewhere.test', 'subjectAltName=DNS:prometheus.elsewhere.test\nextendedKeyUsage=serverAuth\n');
  // A CA of its own that signed nothing here: a client certificate from it is refused.
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'stranger.key', '-out', 'stranger.pem', '-days', '2', '-subj', '/CN=stranger');

  fs.writeFileSync(
    file('web.yml'),
    [
      'tls_server_config:',
      `  cert_file: ${file('server.pem')}`,
      `  key_file: ${file('server.key')}`,
      '  client_auth_type: RequireAndVerifyClientCert',
      `  client_ca_file: ${file('ca.pem')}`,
      'basic_auth_users:',
      `  ${ALICE.user}: ${bcrypt.hashSync(ALICE.password, 4)}`,
      `  ${BOB.user}: ${bcrypt.hashSync(BOB.password, 4)}`,
      '',
    ].join('\n'),
  );
  fs.writeFileSync(file('bob.password'), `${BOB.password}\n`);
  fs.writeFileSync(file('wrong.password'), 'not-the-password\n');
  fs.writeFileSync(file('token'), `${TOKEN}\n`);

  const tls = { ca: fs.readFileSync(file('ca.pem'), 'utf8'), cert: fs.readFileSync(file('client.pem'), 'utf8'), key: fs.readFileSync(file('client.key'), 'utf8') };
  const upstream = transportFetch(tls);
  const readyFetch = ((url: string, init: RequestInit = {}) => upstream(url, { ...init, headers: { authorization: basic(BOB) } })) as typeof fetch;
  server = await startPrometheus({ dataset, web: { configFile: file('web.yml'), https: true, readyFetch } });

  // The proxy: X-Scope-OrgID and the bearer token checked, then on to Prometheus as bob.
  proxy = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const refuse = (why: string) => {
        res.writeHead(401, { 'content-type': 'text/plain' });
        res.end(`${why}\n`);
      };
      if (req.headers['x-scope-orgid'] !== TENANT) return refuse('no org id');
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return refuse('invalid bearer token');
      upstream(`${server.url}${req.url}`, { method: req.method, headers: { 'content-type': String(req.headers['content-type'] ?? ''), authorization: basic(BOB) }, body })
        .then(async (answer) => {
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
          res.end(await answer.text());
        })
        .catch((error: Error) => {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(error.message);
        });
    });
  });
  proxyUrl = `http://127.0.0.1:${await listen(proxy)}`;

  elsewhere = https.createServer({ cert: fs.readFileSync(file('elsewhere.pem')), key: fs.readFileSync(file('elsewhere.key')) }, (_req, res) => res.end('{}'));
  elsewhereUrl = `https://127.0.0.1:${await listen(elsewhere)}`;
}, 300_000);

afterAll(async () => {
  await Promise.all([server?.stop(), close(proxy), close(elsewhere)]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const run = (command: 'recommend' | 'verdict' | 'doctor', ...argv: string[]): Promise<Captured> => capture(() => main([command, ...argv, ...WINDOW]));
/** The URL with user info: https://alice:…@127.0.0.1:port */
const withUser = (url: string, u: { user: string; password: string }) => url.replace('://', `://${u.user}:${u.password}@`);
const mtls = () => ['--ca-file', file('ca.pem'), '--client-cert', file('client.pem'), '--client-key', file('client.key')];

const AUTH_HINT =
  "; credentials are set with --basic-auth-user and --basic-auth-password-file (or user:password@ in --prometheus-url), --bearer-token-file, or --prometheus-header 'Name: value' (e.g. X-Scope-OrgID for a Mimir, Cortex or Thanos tenant), or their NUMAFLOW_SOAK_* environment variables\n";

describe('right credentials read the soak', () => {
  it('basic auth from a password file over mutual TLS: every verdict line reads data and passes (exit 0)', async () => {
    const { code, stdout, stderr } = await run('verdict', '--prometheus-url', server.url, '--basic-auth-user', BOB.user, '--basic-auth-password-file', file('bob.password'), ...mtls(), '--format', 'json');
    expect(stderr).not.toContain('unavailable');
    expect(code).toBe(0);
    const doc = JSON.parse(stdout);
    expect(doc.source).toBe(server.url);
    expect(doc.lines.filter((l: { status: string }) => l.status !== 'pass')).toEqual([]);
    expect(doc.lines.find((l: { check: string }) => l.check === 'restarts').measured).toMatch(/^0 over \d+ pod containers$/);
    expect(stderr).toContain(`  prometheus: basic auth as user "bob", CA ${file('ca.pem')}, client certificate ${file('client.pem')}\n`);
  });

  it('the same from the environment; a flag wins over its variable', async () => {
    const env = {
      NUMAFLOW_SOAK_BASIC_AUTH_USER: BOB.user,
      NUMAFLOW_SOAK_BASIC_AUTH_PASSWORD_FILE: file('wrong.password'),
      NUMAFLOW_SOAK_CA_FILE: file('ca.pem'),
      NUMAFLOW_SOAK_CLIENT_CERT: file('client.pem'),
      NUMAFLOW_SOAK_CLIENT_KEY: file('client.key'),
    };
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const wrong = await run('verdict', '--prometheus-url', server.url, '--quiet');
      expect(wrong.code).toBe(4);
      expect(wrong.stderr).toContain('authentication failed (401) with basic auth as user "bob"');
      const right = await run('verdict', '--prometheus-url', server.url, '--quiet', '--basic-auth-password-file', file('bob.password'));
      expect(right.stderr).toBe('');
      expect(right.code).toBe(0);
      expect(right.stdout.split('\n')[0]).toBe('### numaflow-soak verdict: PASSED');
    } finally {
      process.env = saved;
    }
  });

  it('--insecure-skip-tls-verify reads without --ca-file, with a warning', async () => {
    const { code, stdout, stderr } = await run('verdict', '--prometheus-url', withUser(server.url, ALICE), '--client-cert', file('client.pem'), '--client-key', file('client.key'), '--insecure-skip-tls-verify');
    expect(code).toBe(0);
    expect(stdout).toContain('### numaflow-soak verdict: PASSED');
    expect(stderr).toContain("warning: --insecure-skip-tls-verify: the server's certificate is not checked");
  });
});

describe('wrong or missing credentials: authentication failed, exit 4', () => {
  it.each([
    ['a wrong password in the URL', () => [withUser(server.url, { user: ALICE.user, password: 'wrong' })], 'with basic auth as user "alice": Unauthorized'],
    ['a wrong password file', () => [server.url, '--basic-auth-user', BOB.user, '--basic-auth-password-file', file('wrong.password')], 'with basic auth as user "bob": Unauthorized'],
    ['no credentials', () => [server.url], 'with no credentials: Unauthorized'],
  ])('%s', async (_what, given, said) => {
    const { code, stdout, stderr } = await run('recommend', '--prometheus-url', ...given(), ...mtls(), '--quiet');
    expect(code).toBe(4);
    expect(stdout).toBe('');
    expect(stderr).toBe(`numaflow-soak recommend: data source unavailable: Prometheus at ${server.url}: authentication failed (401) ${said}${AUTH_HINT}`);
  });

  it.each([
    ['no tenant header', ['--bearer-token-file', 'token'], 'with a bearer token: no org id'],
    ['a wrong tenant header', ['--bearer-token-file', 'token', '--prometheus-header', 'X-Scope-OrgID: someone-else'], 'with a bearer token, header X-Scope-OrgID: no org id'],
    ['no bearer token', ['--prometheus-header', `X-Scope-OrgID: ${TENANT}`], 'with header X-Scope-OrgID: invalid bearer token'],
  ])('through the proxy: %s', async (_what, given, said) => {
    const argv = given.map((a) => (a === 'token' ? file(a) : a));
    const { code, stderr } = await run('verdict', '--prometheus-url', proxyUrl, ...argv, '--quiet');
    expect(code).toBe(4);
    expect(stderr).toBe(`numaflow-soak verdict: data source unavailable: Prometheus at ${proxyUrl}: authentication failed (401) ${said}${AUTH_HINT}`);
  });
});

describe('certificates: a TLS error naming the remedy, exit 4', () => {
  const tlsError = async (url: string, ...argv: string[]) => {
    const { code, stdout, stderr } = await run('verdict', '--prometheus-url', url, ...argv, '--quiet');
    expect(code).toBe(4);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toHaveLength(2);
    return stderr;
  };

  it('the server certificate is from a CA the client does not know', async () => {
    const stderr = await tlsError(withUser(server.url, ALICE), '--client-cert', file('client.pem'), '--client-key', file('client.key'));
    expect(stderr).toBe(
      `numaflow-soak verdict: data source unavailable: Prometheus at ${server.url}: TLS: the server's certificate is not trusted (unable to verify the first certificate); ` +
        'give the CA that signed it with --ca-file <pem file>, or, for a test setup only, --insecure-skip-tls-verify\n',
    );
  });

  it('the server certificate names another host', async () => {
    const stderr = await tlsError(elsewhereUrl, '--ca-file', file('ca.pem'));
    expect(stderr).toBe(
      `numaflow-soak verdict: data source unavailable: Prometheus at ${elsewhereUrl}: TLS: the server's certificate does not name this host ` +
        `(Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list:); ` +
        'use a --prometheus-url host the certificate names (with its CA in --ca-file), or, for a test setup only, --insecure-skip-tls-verify\n',
    );
  });

  it('no client certificate where the server requires one', async () => {
    const stderr = await tlsError(withUser(server.url, ALICE), '--ca-file', file('ca.pem'));
    expect(stderr).toMatch(
      new RegExp(`^numaflow-soak verdict: data source unavailable: Prometheus at ${server.url.replace(/\./g, '\\.')}: TLS: the server requires a client certificate \\((sslv3|ssl/tls) alert bad certificate, SSL alert number 42\\); give a client certificate the server trusts with --client-cert <pem file> and --client-key <pem file>\\n$`),
    );
  });

  it('a client certificate from a CA the server does not trust', async () => {
    const stderr = await tlsError(withUser(server.url, ALICE), '--ca-file', file('ca.pem'), '--client-cert', file('stranger.pem'), '--client-key', file('stranger.key'));
    expect(stderr).toMatch(/: TLS: the server refused the client certificate \((sslv3|ssl\/tls) alert bad certificate, SSL alert number 42\); give a client certificate signed by a CA the server trusts with --client-cert and --client-key\n$/);
  });
});

describe('no secret leaks', () => {
  /** Every file under `root`, with its text. */
  function filesUnder(root: string): [string, string][] {
    return fs.readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name))
      .map((f) => [f, fs.readFileSync(f, 'utf8')]);
  }

  const SECRETS = [ALICE.password, BOB.password, TOKEN, TENANT, basic(ALICE).slice('Basic '.length), basic(BOB).slice('Basic '.length), encodeURIComponent(ALICE.password)];

  // Each kind of secret through recommend --write and verdict; between them, both commands
  // print Markdown once and write JSON once. Every progress line too (--verbose).
  it.each([
    [
      'the URL password',
      () => [withUser(server.url, ALICE), ...mtls(), '--prometheus-header', `X-Scope-OrgID: ${TENANT}`],
      () => `--prometheus-url ${server.url} --basic-auth-user alice --basic-auth-password-file '<file holding the password>' --start`,
      'markdown',
    ],
    [
      'a password file',
      () => [server.url, '--basic-auth-user', BOB.user, '--basic-auth-password-file', file('bob.password'), ...mtls(), `--prometheus-header=X-Scope-OrgID: ${TENANT}`],
      () => `--basic-auth-user bob --basic-auth-password-file ${file('bob.password')} --ca-file ${file('ca.pem')} --client-cert ${file('client.pem')} --client-key ${file('client.key')} '--prometheus-header=X-Scope-OrgID: <redacted>'`,
      'json',
    ],
    [
      'a bearer token and a tenant header',
      () => [proxyUrl, '--bearer-token-file', file('token'), '--prometheus-header', `X-Scope-OrgID: ${TENANT}`],
      () => `--bearer-token-file ${file('token')} --prometheus-header 'X-Scope-OrgID: <redacted>'`,
      'markdown',
    ],
  ] as const)('with %s: recommend --write, verdict and doctor print and write none', async (_what, given, reproduced, recommendFormat) => {
    const [url, ...rest] = given();
    const root = tempProject();
    const out = tempDir();
    const asJson = (name: string) => ['--format', 'json', '--output', path.join(out, `${name}.json`)];
    const recommend = await run('recommend', '--prometheus-url', url, ...rest, '--write', '--root', root, '--verbose', ...(recommendFormat === 'json' ? asJson('recommend') : []));
    const verdict = await run('verdict', '--prometheus-url', url, ...rest, '--root', root, '--verbose', ...(recommendFormat === 'json' ? [] : asJson('verdict')));
    const doctor = await run('doctor', '--prometheus-url', url, ...rest, '--root', root);
    expect([recommend.code, verdict.code]).toEqual([0, 0]);
    expect(doctor.stdout).toContain(`Reproduce: `);
    // Both read data, and say where from: the URL without user info.
    expect(recommend.stderr).toMatch(/wrote .*Pulumi\.rightsized\.yaml \(\d+ values changed\) and .*Pulumi\.rightsized\.provenance\.json/);
    const markdown = recommendFormat === 'json' ? verdict.stdout : recommend.stdout;
    // A URL is a code span in Markdown (src/markdown/writer.ts: GitHub never links one there).
    expect(markdown).toContain(`Data: \`${url.replace(/\/\/[^@/]*@/, '//')}\`, `);
    expect(/Reproduce: `(.*)`/.exec(markdown)?.[1]).toContain(reproduced());

    const texts: [string, string][] = [
      ['recommend stdout', recommend.stdout],
      ['recommend stderr', recommend.stderr],
      ['verdict stdout', verdict.stdout],
      ['verdict stderr', verdict.stderr],
      ['doctor stdout', doctor.stdout],
      ['doctor stderr', doctor.stderr],
      ...filesUnder(root),
      ...filesUnder(out),
    ];
    expect(texts.map(([name]) => path.basename(name))).toEqual(expect.arrayContaining(['Pulumi.rightsized.yaml', 'Pulumi.rightsized.provenance.json', `${recommendFormat === 'json' ? 'recommend' : 'verdict'}.json`]));
    const leaks = texts.flatMap(([name, text]) => SECRETS.filter((secret) => text.includes(secret)).map((secret) => `${name}: ${secret}`));
    expect(leaks).toEqual([]);
  });
});
