/**
 * The options that reach a secured Prometheus, as users already configure Prometheus
 * clients: extra headers (`X-Scope-OrgID` for a Mimir, Cortex or Thanos tenant), a bearer
 * token file, basic auth (a user and a password file, or `user:password@` in the URL), a CA
 * file, a client certificate and key, and skipping verification for a test setup. Each has
 * an environment variable; a flag wins over its variable.
 *
 * `prometheusConnection` checks them and reads their files before anything is queried or
 * written: a mistake is a UsageError naming the flag (or variable), exit 1. No message
 * repeats a secret: header values, passwords and tokens are never echoed, and a URL is
 * shown without its user info. `redactPrometheusArgs` does the same for the reproduce line.
 */
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import { AuthenticationError, describeAuth, splitUserinfo, TlsError, type HttpHeader, type PrometheusAuth, type TlsFailure, type TlsOptions } from '../recommend/http-transport';
import { UsageError, type OptionSpec, type OptionValues } from './args';

export const PROMETHEUS_OPTIONS = {
  'prometheus-header': {
    type: 'string',
    value: `'Name: value'`,
    multiple: true,
    description: 'an HTTP header sent with every Prometheus request, e.g. X-Scope-OrgID: tenant-1 for Mimir, Cortex or Thanos (env NUMAFLOW_SOAK_PROMETHEUS_HEADERS, one per line)',
  },
  'bearer-token-file': { type: 'string', value: '<file>', description: 'send Authorization: Bearer with the token this file holds (env NUMAFLOW_SOAK_BEARER_TOKEN_FILE)' },
  'basic-auth-user': { type: 'string', value: '<user>', description: 'HTTP basic auth user, with --basic-auth-password-file (env NUMAFLOW_SOAK_BASIC_AUTH_USER)' },
  'basic-auth-password-file': { type: 'string', value: '<file>', description: 'the file holding the basic auth password (env NUMAFLOW_SOAK_BASIC_AUTH_PASSWORD_FILE)' },
  'ca-file': { type: 'string', value: '<file>', description: "PEM CA certificates to trust for an https:// Prometheus, instead of Node's bundled ones (env NUMAFLOW_SOAK_CA_FILE)" },
  'client-cert': { type: 'string', value: '<file>', description: 'PEM client certificate for mutual TLS, with --client-key (env NUMAFLOW_SOAK_CLIENT_CERT)' },
  'client-key': { type: 'string', value: '<file>', description: 'PEM private key of --client-cert (env NUMAFLOW_SOAK_CLIENT_KEY)' },
  'insecure-skip-tls-verify': { type: 'boolean', description: "accept any server certificate: test setups only (env NUMAFLOW_SOAK_INSECURE_SKIP_TLS_VERIFY=true)" },
} as const satisfies Record<string, OptionSpec>;

type PrometheusOption = keyof typeof PROMETHEUS_OPTIONS;

/** The environment variable of each option. */
export const PROMETHEUS_ENV: Readonly<Record<PrometheusOption, string>> = {
  'prometheus-header': 'NUMAFLOW_SOAK_PROMETHEUS_HEADERS',
  'bearer-token-file': 'NUMAFLOW_SOAK_BEARER_TOKEN_FILE',
  'basic-auth-user': 'NUMAFLOW_SOAK_BASIC_AUTH_USER',
  'basic-auth-password-file': 'NUMAFLOW_SOAK_BASIC_AUTH_PASSWORD_FILE',
  'ca-file': 'NUMAFLOW_SOAK_CA_FILE',
  'client-cert': 'NUMAFLOW_SOAK_CLIENT_CERT',
  'client-key': 'NUMAFLOW_SOAK_CLIENT_KEY',
  'insecure-skip-tls-verify': 'NUMAFLOW_SOAK_INSECURE_SKIP_TLS_VERIFY',
};

export type PrometheusValues = Partial<OptionValues<typeof PROMETHEUS_OPTIONS>> & { readonly 'prometheus-url'?: string };

/** Where a Prometheus is and how to reach it, resolved from the options and the environment. */
export interface PrometheusConnection {
  /** The URL without user info: what every message, report and file shows. */
  readonly url: string;
  readonly auth: PrometheusAuth;
  readonly tls: TlsOptions;
  /** Options the reproduce line needs beyond the URL (basic auth that came from the URL, as flags without the password). */
  readonly reproduce: readonly string[];
  /** One line for the progress output: what is sent, no secret. Undefined when nothing is. */
  readonly summary?: string;
  readonly warnings: readonly string[];
}

/** Headers PrometheusSource sets itself (a POST with a form body). */
const RESERVED_HEADERS = new Set(['host', 'content-type', 'content-length', 'transfer-encoding', 'connection', 'accept-encoding']);
/** RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** A URL shown without `user:password@`, also when it does not parse. */
export function withoutUserinfo(url: string): string {
  return url.replace(/^((?:[a-z][a-z0-9+.-]*:\/\/)?)[^/?#\s@]*@/i, (_m, scheme: string) => `${scheme}<redacted>@`);
}

/** The options of this table given on the command line (booleans only when set). */
function givenFlags(v: PrometheusValues): PrometheusOption[] {
  return (Object.keys(PROMETHEUS_OPTIONS) as PrometheusOption[]).filter((name) => {
    const value = v[name];
    return Array.isArray(value) ? value.length > 0 : value !== undefined && value !== false;
  });
}

/**
 * Refuses the options of this table when the source is not a Prometheus (they would be
 * silently ignored). The environment variables are ambient and are ignored then.
 */
export function refusePrometheusOptions(command: string, v: PrometheusValues): void {
  const given = givenFlags(v);
  if (given.length > 0) throw new UsageError(`numaflow-soak ${command}: option '--${given[0]}' applies to --prometheus-url only, not to the embedded dataset`);
}

/**
 * Resolves the Prometheus URL, credentials and TLS settings: flags first, then their
 * environment variables, then `user:password@` in the URL. Reads every file now.
 * @throws UsageError naming the flag or variable.
 */
export function prometheusConnection(command: string, v: PrometheusValues & { readonly 'prometheus-url': string }, env: NodeJS.ProcessEnv = process.env): PrometheusConnection {
  const fail = (message: string): never => {
    throw new UsageError(`numaflow-soak ${command}: ${message}`);
  };
  /** A setting from its flag, or else its environment variable (empty counts as unset). */
  const setting = (name: Exclude<PrometheusOption, 'prometheus-header' | 'insecure-skip-tls-verify'>): { value: string; where: string } | undefined => {
    const flag = v[name];
    if (flag !== undefined) return { value: flag, where: `option '--${name}'` };
    const fromEnv = env[PROMETHEUS_ENV[name]];
    return fromEnv ? { value: fromEnv, where: `environment variable ${PROMETHEUS_ENV[name]}` } : undefined;
  };
  const read = (file: { value: string; where: string }): string => {
    try {
      return fs.readFileSync(file.value, 'utf8');
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a directory' : e.code === 'EACCES' ? 'permission denied' : (e.code ?? e.message);
      return fail(`${file.where}: cannot read ${file.value}: ${why}`);
    }
  };
  const readSecret = (file: { value: string; where: string }): string => {
    const text = read(file).trim();
    if (text === '') fail(`${file.where}: ${file.value} is empty`);
    return text;
  };

  const split = splitUserinfo(v['prometheus-url']);
  const url = split.url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail(`--prometheus-url expects an http(s) URL (got '${withoutUserinfo(v['prometheus-url'])}')`);
  }
  const reproduce: string[] = [];
  const warnings: string[] = [];

  // Headers: the environment's, then the flags' (a flag replaces a variable's header of the same name).
  const headers = new Map<string, HttpHeader>();
  const envHeaders = (env[PROMETHEUS_ENV['prometheus-header']] ?? '').split(/\r?\n/).filter((line) => line.trim() !== '');
  for (const [lines, where] of [
    [envHeaders, `environment variable ${PROMETHEUS_ENV['prometheus-header']}`],
    [v['prometheus-header'] ?? [], "option '--prometheus-header'"],
  ] as const) {
    const seen = new Set<string>();
    for (const line of lines) {
      const header = parseHeader(line, where, fail);
      const key = header[0].toLowerCase();
      if (seen.has(key)) fail(`${where}: header '${header[0]}' is given twice`);
      seen.add(key);
      headers.set(key, header);
    }
  }

  // Authorization: basic auth or a bearer token. The kind the command line gives (the URL
  // included) is the one used, and the environment's other kind is ignored; within a kind,
  // each flag wins over its variable.
  const basicFlags = v['basic-auth-user'] !== undefined || v['basic-auth-password-file'] !== undefined;
  const bearerFlag = v['bearer-token-file'] !== undefined;
  const fromUrl = split.user !== undefined;
  const flag = (name: 'basic-auth-user' | 'basic-auth-password-file' | 'bearer-token-file') => (v[name] !== undefined ? { value: v[name]!, where: `option '--${name}'` } : undefined);
  const basicFromEnv = !fromUrl && !(bearerFlag && !basicFlags);
  const user = basicFromEnv ? setting('basic-auth-user') : flag('basic-auth-user');
  const passwordFile = basicFromEnv ? setting('basic-auth-password-file') : flag('basic-auth-password-file');
  const tokenFile = !fromUrl && !basicFlags ? setting('bearer-token-file') : flag('bearer-token-file');
  let basicAuth: PrometheusAuth['basicAuth'];
  if (fromUrl) {
    const also = flag('basic-auth-user') ?? flag('basic-auth-password-file');
    if (also) fail(`--prometheus-url carries a user and password (user:password@host) and ${also.where.replace(/^option /, '')} is given too; give the credentials one way`);
    if (split.password === undefined) fail(`--prometheus-url carries a user without a password (user@host); give user:password@host, or --basic-auth-user with --basic-auth-password-file`);
    basicAuth = { user: split.user, password: split.password! };
    reproduce.push('--basic-auth-user', split.user, '--basic-auth-password-file', '<file holding the password>');
  } else if (user || passwordFile) {
    if (!passwordFile) return fail(`${user!.where} needs --basic-auth-password-file too (the file holding the password)`);
    if (!user) return fail(`${passwordFile.where} needs --basic-auth-user too`);
    if (user.value === '' || user.value.includes(':')) fail(`${user.where} expects a user name without a colon`);
    basicAuth = { user: user.value, password: readSecret(passwordFile) };
  }
  let bearerToken: string | undefined;
  if (tokenFile) {
    if (basicAuth) fail(`${tokenFile.where} and basic auth both set the Authorization header; give one of them`);
    bearerToken = readSecret(tokenFile);
  }
  if ((basicAuth || bearerToken !== undefined) && headers.has('authorization')) {
    fail(`a --prometheus-header 'Authorization: …' and ${bearerToken !== undefined ? '--bearer-token-file' : 'basic auth'} both set the Authorization header; give one of them`);
  }

  // TLS: only for https://. Given as flags with an http:// URL they are a mistake (nothing
  // would be protected); from the environment they are ambient settings, ignored then.
  const secure = parsed.protocol === 'https:';
  const tlsFlags = (['ca-file', 'client-cert', 'client-key', 'insecure-skip-tls-verify'] as const).filter((name) => (name === 'insecure-skip-tls-verify' ? v[name] === true : v[name] !== undefined));
  if (!secure && tlsFlags.length > 0) fail(`option '--${tlsFlags[0]}' applies to an https:// --prometheus-url (got ${parsed.protocol}//…)`);
  const tlsOptions: { ca?: string; cert?: string; key?: string; insecureSkipVerify?: boolean } = {};
  const tlsParts: string[] = [];
  if (secure) {
    const ca = setting('ca-file');
    if (ca) {
      tlsOptions.ca = read(ca);
      if (!tlsOptions.ca.includes('-----BEGIN CERTIFICATE-----')) fail(`${ca.where}: ${ca.value} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
      tlsParts.push(`CA ${ca.value}`);
    }
    const cert = setting('client-cert');
    const key = setting('client-key');
    if (cert && !key) fail(`${cert.where} needs --client-key too (the certificate's private key)`);
    if (key && !cert) fail(`${key!.where} needs --client-cert too (the certificate the key belongs to)`);
    if (cert && key) {
      tlsOptions.cert = read(cert);
      tlsOptions.key = read(key);
      try {
        tls.createSecureContext({ cert: tlsOptions.cert, key: tlsOptions.key });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH') fail(`${key.where}: ${key.value} is not the private key of ${cert.value}`);
        fail(`${cert.where} and ${key.where}: ${cert.value} and ${key.value} must be a PEM certificate and its PEM private key (${(error as Error).message.replace(/^.*routines::/, '')})`);
      }
      tlsParts.push(`client certificate ${cert.value}`);
    }
    const envInsecure = env[PROMETHEUS_ENV['insecure-skip-tls-verify']];
    let insecure = v['insecure-skip-tls-verify'] === true;
    if (!insecure && envInsecure) {
      if (/^(1|true|yes)$/i.test(envInsecure)) insecure = true;
      else if (!/^(0|false|no)$/i.test(envInsecure)) fail(`environment variable ${PROMETHEUS_ENV['insecure-skip-tls-verify']} expects true or false (got '${envInsecure}')`);
    }
    if (insecure) {
      tlsOptions.insecureSkipVerify = true;
      tlsParts.push('server certificate NOT verified');
      warnings.push("warning: --insecure-skip-tls-verify: the server's certificate is not checked; anyone on the way can read the credentials and the data. Use it for test setups only");
    }
  }

  const auth: PrometheusAuth = {
    ...(headers.size > 0 ? { headers: [...headers.values()] } : {}),
    ...(basicAuth ? { basicAuth } : {}),
    ...(bearerToken !== undefined ? { bearerToken } : {}),
  };
  const sent = headers.size > 0 || basicAuth || bearerToken !== undefined ? [describeAuth(auth)] : [];
  const parts = [...sent, ...tlsParts];
  return { url, auth, tls: tlsOptions, reproduce, warnings, ...(parts.length > 0 ? { summary: `  prometheus: ${parts.join(', ')}` } : {}) };
}

/** `Name: value` as a header; never echoes the value, which may be a secret. */
function parseHeader(text: string, where: string, fail: (message: string) => never): HttpHeader {
  const colon = text.indexOf(':');
  if (colon < 0) fail(`${where} expects 'Name: value', e.g. 'X-Scope-OrgID: tenant-1' (got a value without a colon)`);
  const name = text.slice(0, colon).trim();
  const value = text.slice(colon + 1).trim();
  if (name === '') fail(`${where} expects 'Name: value', e.g. 'X-Scope-OrgID: tenant-1' (got an empty header name)`);
  if (!HEADER_NAME.test(name)) fail(`${where}: ${JSON.stringify(name)} is not a valid header name (letters, digits and !#$%&'*+.^_\`|~-)`);
  if (RESERVED_HEADERS.has(name.toLowerCase())) fail(`${where}: header '${name}' is set by numaflow-soak itself`);
  if (/[\r\n\0]/.test(value)) fail(`${where}: the value of header '${name}' contains a line break or NUL`);
  return [name, value];
}

/**
 * The arguments with every secret taken out, for the reproduce line: a header's value
 * becomes `<redacted>` (`--prometheus-header 'X-Scope-OrgID: <redacted>'`), a URL loses its
 * user info. File paths and the basic auth user stay.
 */
export function redactPrometheusArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  const header = (text: string) => (text.includes(':') ? `${text.slice(0, text.indexOf(':')).trim()}: <redacted>` : '<redacted>');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--prometheus-header' && i + 1 < argv.length) {
      out.push(arg, header(argv[++i]));
    } else if (arg.startsWith('--prometheus-header=')) {
      out.push(`--prometheus-header=${header(arg.slice('--prometheus-header='.length))}`);
    } else if (arg === '--prometheus-url' && i + 1 < argv.length) {
      out.push(arg, splitUserinfo(argv[++i]).url);
    } else if (arg.startsWith('--prometheus-url=')) {
      out.push(`--prometheus-url=${splitUserinfo(arg.slice('--prometheus-url='.length)).url}`);
    } else {
      out.push(arg);
    }
  }
  return out;
}

const AUTH_HINT =
  'credentials are set with --basic-auth-user and --basic-auth-password-file (or user:password@ in --prometheus-url), --bearer-token-file, ' +
  "or --prometheus-header 'Name: value' (e.g. X-Scope-OrgID for a Mimir, Cortex or Thanos tenant), or their NUMAFLOW_SOAK_* environment variables";

const TLS_HINTS: Readonly<Record<TlsFailure, string>> = {
  untrusted: 'give the CA that signed it with --ca-file <pem file>, or, for a test setup only, --insecure-skip-tls-verify',
  hostname: 'use a --prometheus-url host the certificate names (with its CA in --ca-file), or, for a test setup only, --insecure-skip-tls-verify',
  expired: 'the server needs a current certificate; for a test setup only, --insecure-skip-tls-verify skips the check',
  'client-cert-required': 'give a client certificate the server trusts with --client-cert <pem file> and --client-key <pem file>',
  'client-cert-refused': 'give a client certificate signed by a CA the server trusts with --client-cert and --client-key',
  handshake: 'check that the server speaks https at this address (or use http://)',
};

/** What the user can do about a data source error, as `; …` to append, or ''. */
export function sourceErrorHint(error: unknown): string {
  if (error instanceof AuthenticationError) return `; ${AUTH_HINT}`;
  if (error instanceof TlsError) return `; ${TLS_HINTS[error.failure]}`;
  return '';
}
