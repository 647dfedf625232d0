/**
 * How PrometheusSource talks to a secured Prometheus: the credentials it sends (extra
 * headers such as Mimir's `X-Scope-OrgID`, a bearer token or basic auth) and the TLS it
 * speaks (a CA to trust, a client certificate, or no verification at all for a test setup).
 *
 * Node's global fetch cannot be given a CA or a client certificate, so `transportFetch`
 * is a small fetch over node:http and node:https with an agent that carries them. It keeps
 * the `typeof fetch` shape, so a test can still inject its own fetch into PrometheusSource
 * (the credentials are headers and go through either; the TLS settings only through this one).
 *
 * The errors a user can act on have their own classes: `AuthenticationError` for HTTP 401
 * and 403, `TlsError` for a certificate the client or the server refused. Both are
 * SourceUnavailableErrors (exit 4); the CLI adds which options fix them.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { gunzipSync } from 'node:zlib';
import { SourceUnavailableError } from './metrics';

/** An HTTP header sent with every request, e.g. `['X-Scope-OrgID', 'tenant-1']`. */
export type HttpHeader = readonly [name: string, value: string];

/** The credentials sent with every request. Basic auth and a bearer token exclude each other. */
export interface PrometheusAuth {
  readonly headers?: readonly HttpHeader[];
  readonly bearerToken?: string;
  readonly basicAuth?: { readonly user: string; readonly password: string };
}

/** TLS settings for an https:// Prometheus; PEM text. */
export interface TlsOptions {
  /** CAs to trust instead of Node's bundled ones (as Prometheus's own `tls_config.ca_file` does). */
  readonly ca?: string;
  /** Client certificate and its key, for servers that require one (mutual TLS). */
  readonly cert?: string;
  readonly key?: string;
  /** Accept any server certificate: for test setups only. */
  readonly insecureSkipVerify?: boolean;
}

/** HTTP 401 or 403 from the server: the credentials are missing, wrong or not enough. */
export class AuthenticationError extends SourceUnavailableError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

/**
 * What went wrong in a TLS handshake:
 * - `untrusted`: the server's certificate is not signed by a CA the client trusts;
 * - `hostname`: it is trusted but does not name the host of the URL;
 * - `expired`: it is outside its validity period;
 * - `client-cert-required`: the server wants a client certificate and got none;
 * - `client-cert-refused`: the server did not accept the client certificate;
 * - `handshake`: anything else (e.g. an https:// URL for a server speaking plain http).
 */
export type TlsFailure = 'untrusted' | 'hostname' | 'expired' | 'client-cert-required' | 'client-cert-refused' | 'handshake';

export class TlsError extends SourceUnavailableError {
  constructor(
    message: string,
    readonly failure: TlsFailure,
  ) {
    super(message);
    this.name = 'TlsError';
  }
}

const TLS_FAILURES: Readonly<Record<string, TlsFailure>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'untrusted',
  UNABLE_TO_GET_ISSUER_CERT: 'untrusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'untrusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'untrusted',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'untrusted',
  CERT_UNTRUSTED: 'untrusted',
  CERT_SIGNATURE_FAILURE: 'untrusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'hostname',
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'expired',
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'client-cert-required',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'client-cert-refused',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN: 'client-cert-refused',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'client-cert-refused',
  ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR: 'client-cert-refused',
};

/** The innermost error of a chain of `cause`s (fetch wraps socket errors). */
function innermost(error: unknown): unknown {
  const seen = new Set<unknown>();
  let e: any = error;
  while (e && typeof e === 'object' && e.cause && !seen.has(e.cause)) {
    seen.add(e);
    e = e.cause;
  }
  return e;
}

/**
 * OpenSSL's reason out of its error line: `…:error:0A000412:SSL routines:ssl3_read_bytes:sslv3
 * alert bad certificate:…/rec_layer_s3.c:1601:SSL alert number 42` becomes `sslv3 alert bad
 * certificate, SSL alert number 42`; other messages lose only their line breaks.
 */
function opensslReason(message: string): string {
  const m = /SSL routines:[^:]*:([^:]+)/.exec(message);
  // Node 24 appends a hint about its own flag to certificate errors; ours names the remedy.
  if (!m) return message.replace(/; if the root CA is installed locally, try running Node\.js with --use-system-ca/, '').replace(/\s+/g, ' ').trim();
  const alert = /SSL alert number \d+/.exec(message);
  return `${m[1].trim()}${alert ? `, ${alert[0]}` : ''}`;
}

/**
 * Which TLS failure an error from a request is, or undefined when it is not one. A server
 * that wants a client certificate and got none answers with the same alert as one that
 * refuses the certificate it got: `withClientCert` tells the two apart.
 */
export function tlsFailure(error: unknown, withClientCert: boolean): { readonly failure: TlsFailure; readonly detail: string } | undefined {
  const e: any = innermost(error);
  if (!e || typeof e !== 'object' || typeof e.code !== 'string') return undefined;
  const code: string = e.code;
  const detail = opensslReason(String(e.message ?? code));
  // OpenSSL 3.5 (Node 24) names the alerts `ssl/tls alert …` with other codes than OpenSSL 3.0's
  // `sslv3 alert …`: fall back to the alert text.
  const byText: TlsFailure | undefined = /alert certificate required/.test(detail)
    ? 'client-cert-required'
    : /alert (bad certificate|certificate unknown|unknown ca)/.test(detail)
      ? 'client-cert-refused'
      : undefined;
  const known = TLS_FAILURES[code] ?? byText;
  if (known === 'client-cert-refused' && !withClientCert) return { failure: 'client-cert-required', detail };
  if (known) return { failure: known, detail };
  if (code.startsWith('ERR_SSL_') || code === 'EPROTO') return { failure: 'handshake', detail };
  return undefined;
}

/** `user:password@` taken out of a URL, with the user and password decoded. */
export function splitUserinfo(url: string): { readonly url: string; readonly user?: string; readonly password?: string } {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@/i.exec(url);
  if (!m) return { url };
  const [user, ...rest] = m[2].split(':');
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  };
  return { url: m[1] + url.slice(m[0].length), user: decode(user), ...(rest.length > 0 ? { password: decode(rest.join(':')) } : {}) };
}

/** The headers the credentials become: the extra headers, then `Authorization`. */
export function authHeaders(auth: PrometheusAuth = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of auth.headers ?? []) out[name] = value;
  if (auth.basicAuth) out.Authorization = `Basic ${Buffer.from(`${auth.basicAuth.user}:${auth.basicAuth.password}`).toString('base64')}`;
  if (auth.bearerToken !== undefined) out.Authorization = `Bearer ${auth.bearerToken}`;
  return out;
}

/** What the credentials are, without a secret: `basic auth as user "alice", header X-Scope-OrgID`. */
export function describeAuth(auth: PrometheusAuth = {}): string {
  const parts: string[] = [];
  if (auth.basicAuth) parts.push(`basic auth as user ${JSON.stringify(auth.basicAuth.user)}`);
  if (auth.bearerToken !== undefined) parts.push('a bearer token');
  const names = (auth.headers ?? []).map(([name]) => name);
  if (names.length > 0) parts.push(`header${names.length === 1 ? '' : 's'} ${names.join(', ')}`);
  return parts.length > 0 ? parts.join(', ') : 'no credentials';
}

/** Every secret the credentials hold (to keep them out of messages). */
export function secretsOf(auth: PrometheusAuth = {}): string[] {
  const secrets = [...(auth.headers ?? []).map(([, value]) => value)];
  if (auth.basicAuth) secrets.push(auth.basicAuth.password, Buffer.from(`${auth.basicAuth.user}:${auth.basicAuth.password}`).toString('base64'));
  if (auth.bearerToken !== undefined) secrets.push(auth.bearerToken);
  return secrets.filter((s) => s.trim().length > 0);
}

/** `text` with every secret replaced by `<redacted>`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join('<redacted>');
  return out;
}

/**
 * The largest answer read from Prometheus, bytes (64 MiB; after gzip is unpacked). A bigger
 * one, or an endless one, is refused with ResponseTooLargeError instead of filling memory.
 */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** An answer passed MAX_RESPONSE_BYTES (`limit`). */
export class ResponseTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the answer is larger than ${limit} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

/** Statuses whose Response may not have a body. */
const NULL_BODY = new Set([101, 204, 205, 304]);

function requestBody(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  throw new TypeError('transportFetch sends string or URLSearchParams bodies only');
}

/**
 * A fetch over node:http and node:https that applies `tls` to every https:// request:
 * string bodies, no redirects followed (a redirect is answered as it is: credentials are
 * never sent on to another host), gzip answers unpacked, `init.signal` aborts the request.
 * Connections are kept alive between queries.
 */
export function transportFetch(tls: TlsOptions = {}): typeof fetch {
  const httpsAgent = new https.Agent({
    keepAlive: true,
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
    ...(tls.key !== undefined ? { key: tls.key } : {}),
    rejectUnauthorized: !tls.insecureSkipVerify,
  });
  const httpAgent = new http.Agent({ keepAlive: true });

  const doFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    if (typeof input !== 'string' && !(input instanceof URL)) return Promise.reject(new TypeError('transportFetch takes a URL, not a Request'));
    const url = new URL(String(input));
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') return Promise.reject(new TypeError(`transportFetch speaks http and https, not ${url.protocol}`));
    const headers: Record<string, string> = { 'accept-encoding': 'gzip' };
    new Headers(init.headers).forEach((value, name) => (headers[name] = value));
    let body: string | undefined;
    try {
      body = requestBody(init.body);
    } catch (error) {
      return Promise.reject(error);
    }
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const signal = init.signal ?? undefined;

    return new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const request = (secure ? https : http).request(url, { method: init.method ?? 'GET', headers, agent: secure ? httpsAgent : httpAgent });
      const onAbort = () => request.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      request.on('error', (error) => {
        done();
        reject(error);
      });
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            done();
            request.destroy();
            reject(new ResponseTooLargeError(MAX_RESPONSE_BYTES));
            return;
          }
          chunks.push(chunk);
        });
        response.on('error', (error) => {
          done();
          reject(error);
        });
        response.on('end', () => {
          done();
          if (!response.complete) return reject(new Error('the connection closed before the answer was complete'));
          try {
            let raw = Buffer.concat(chunks);
            if (String(response.headers['content-encoding'] ?? '').toLowerCase() === 'gzip') {
              try {
                raw = gunzipSync(raw, { maxOutputLength: MAX_RESPONSE_BYTES });
              } catch (error) {
                if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') return reject(new ResponseTooLargeError(MAX_RESPONSE_BYTES));
                throw error;
              }
            }
            const status = response.statusCode ?? 0;
            const contentType = response.headers['content-type'];
            resolve(
              new Response(NULL_BODY.has(status) ? null : raw, {
                status,
                statusText: response.statusMessage ?? '',
                headers: contentType ? { 'content-type': contentType } : {},
              }),
            );
          } catch (error) {
            reject(error);
          }
        });
      });
      request.end(body);
    });
  };
  return doFetch as typeof fetch;
}
