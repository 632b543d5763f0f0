// Outbound webhook requests that cannot be pointed at the server's own network: http and https only,
// every address a name resolves to checked (loopback, private, link-local, CGNAT, metadata, and their
// IPv6 forms refused) and the connection made to the address checked, so a name cannot change
// between the check and the connect; redirects are not followed unless asked, and each hop is checked.
//
// The rules are one self-contained function (no imports or closures: Node's modules are passed in),
// because the sending thread (send-thread.ts) runs its source as it is; this module exports the same
// rules for the main thread (URL checks when an endpoint is added).
import * as dnsModule from 'node:dns';
import type { LookupAddress } from 'node:dns';
import * as httpModule from 'node:http';
import type { IncomingMessage } from 'node:http';
import * as httpsModule from 'node:https';
import * as netModule from 'node:net';
import type { LookupFunction } from 'node:net';

export interface OutboundModules {
  dns: typeof dnsModule;
  http: typeof httpModule;
  https: typeof httpsModule;
  net: typeof netModule;
}

export type OutboundAgents = { http: httpModule.Agent; https: httpsModule.Agent };

export interface OutboundOptions {
  /** Reuse connections (a connection is made only to an address checked when it was made). */
  agents?: OutboundAgents;
  /** Let requests reach private and loopback addresses (--allow-private-webhooks: tests and on-premises receivers). */
  allowPrivate: boolean;
  /** Redirects followed (default none: a 3xx answer is the answer), each checked like the first request. */
  maxRedirects?: number;
  timeoutMs?: number;
}

export interface OutboundResult {
  /** The receiver's status, or null when it gave none. */
  status: number | null;
  /** Why it failed, in words (null when it answered). */
  error: string | null;
  latencyMs: number;
}

/** The outbound rules over Node's modules. Self-contained: send-thread.ts runs this function's source in its thread. */
export function outboundRules({ dns, http, https, net }: OutboundModules) {
  const REQUEST_TIMEOUT_MS = 10_000;
  const MAX_BODY_BYTES = 1024 * 1024;
  const MAX_ANSWER_BYTES = 64 * 1024;

  const refused = new net.BlockList();
  for (const [subnet, bits] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10], // CGNAT (also Alibaba Cloud's metadata, 100.100.100.200)
    ['127.0.0.0', 8],
    ['169.254.0.0', 16], // link-local, with the cloud metadata address 169.254.169.254
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.0.2.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['198.51.100.0', 24],
    ['203.0.113.0', 24],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ] as const)
    refused.addSubnet(subnet, bits, 'ipv4');
  for (const [subnet, bits] of [
    ['::', 96], // unspecified, loopback and the old IPv4-compatible form
    ['100::', 64],
    ['2001:db8::', 32],
    ['fc00::', 7], // unique local, with AWS's IPv6 metadata address fd00:ec2::254
    ['fe80::', 10],
    ['ff00::', 8],
  ] as const)
    refused.addSubnet(subnet, bits, 'ipv6');

  const expandIpv6 = (address: string): string[] | null => {
    if (net.isIP(address) !== 6 || address.includes('.')) return null;
    const [head, tail = ''] = address.split('::');
    const a = head ? head.split(':') : [];
    const b = address.includes('::') ? (tail ? tail.split(':') : []) : [];
    const groups = [...a, ...Array<string>(8 - a.length - b.length).fill('0'), ...b];
    return groups.length === 8 ? groups.map((g) => g.padStart(4, '0').toLowerCase()) : null;
  };

  /** The IPv4 address an IPv6 one carries (IPv4-mapped, NAT64, 6to4), if any. */
  const embeddedIpv4 = (address: string): string | null => {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return mapped[1];
    const full = expandIpv6(address);
    if (!full) return null;
    const hex = (from: number) => full.slice(from, from + 2).map((h) => [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2), 16)]);
    const v4 = (groups: number[][]) => groups.flat().join('.');
    if (full.slice(0, 5).every((g) => g === '0000') && full[5] === 'ffff') return v4(hex(6));
    if (full[0] === '0064' && full[1] === 'ff9b') return v4(hex(6));
    if (full[0] === '2002') return v4(hex(1));
    return null;
  };

  /** Whether an address is one a webhook may not reach (loopback, private, link-local, CGNAT, metadata, reserved). */
  const isRefusedAddress = (address: string): boolean => {
    const family = net.isIP(address);
    if (family === 4) return refused.check(address, 'ipv4');
    if (family !== 6) return true;
    const v4 = embeddedIpv4(address);
    return refused.check(address, 'ipv6') || (v4 !== null && refused.check(v4, 'ipv4'));
  };

  class RefusedRequest extends Error {}

  /** Why a name may not be used (it resolves to a refused address, or to nothing), or null. */
  const resolvesToRefused = async (hostname: string): Promise<string | null> => {
    const host = hostname.replace(/^\[|\]$/g, '');
    if (net.isIP(host)) return isRefusedAddress(host) ? `${host} is a private or reserved address` : null;
    const addresses = await dns.promises.lookup(host, { all: true }).catch(() => []);
    if (addresses.length === 0) return `${host} does not resolve`;
    const bad = addresses.find((a) => isRefusedAddress(a.address));
    return bad ? `${host} resolves to ${bad.address}, a private or reserved address` : null;
  };

  /** A lookup that fails for names resolving to any refused address (every address is checked, not only the first). */
  const checkedLookup: LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const bad = addresses.find((a) => isRefusedAddress(a.address));
      if (bad || addresses.length === 0) {
        return callback(new RefusedRequest(`${hostname} resolves to ${bad?.address ?? 'nothing'}, a private or reserved address`), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };

  /** Agents that keep connections to receivers open between requests. */
  const keepAliveAgents = (): OutboundAgents => ({ http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) });

  /** Refuses a URL a webhook may not use, before any connection: not http(s), or an address literal in a refused range. */
  const refusalOf = (url: URL, allowPrivate: boolean): string | null => {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'only http:// and https:// addresses are allowed';
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!allowPrivate && net.isIP(host) && isRefusedAddress(host)) return `${host} is a private or reserved address`;
    return null;
  };

  const oneRequest = (url: URL, headers: Record<string, string>, body: string, opts: OutboundOptions): Promise<{ res: IncomingMessage; answer: string }> => {
    const refusal = refusalOf(url, opts.allowPrivate);
    if (refusal) return Promise.reject(new RefusedRequest(refusal));
    const send = url.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = send(url, {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        ...(!opts.allowPrivate && { lookup: checkedLookup }),
        agent: (url.protocol === 'https:' ? opts.agents?.https : opts.agents?.http) ?? false,
      });
      const timer = setTimeout(
        () => req.destroy(new Error(`no answer within ${(opts.timeoutMs ?? REQUEST_TIMEOUT_MS) / 1000} s`)),
        opts.timeoutMs ?? REQUEST_TIMEOUT_MS,
      );
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          clearTimeout(timer);
          resolve({ res, answer: Buffer.concat(chunks).toString('utf8') });
        };
        res.on('data', (chunk: Buffer) => {
          // Only the first 64 KB of the answer is read; the rest is not waited for.
          if (size < MAX_ANSWER_BYTES) chunks.push(chunk.subarray(0, MAX_ANSWER_BYTES - size));
          size += chunk.length;
          if (size >= MAX_ANSWER_BYTES) {
            res.destroy();
            done();
          }
        });
        res.on('end', done);
        res.on('error', done);
      });
      req.end(body);
    });
  };

  const inWords = (err: unknown): string => {
    if (err instanceof RefusedRequest) return `refused: ${err.message}`;
    const code = (err as { code?: string }).code;
    if (code === 'ECONNREFUSED') return 'the receiver refused the connection';
    if (code === 'ENOTFOUND') return 'the receiver’s name does not resolve';
    if (code === 'ECONNRESET') return 'the receiver closed the connection';
    return err instanceof Error ? err.message : String(err);
  };

  /** POSTs the body to the URL under the rules above; answers the receiver's status or why there was none. */
  const postSafely = async (target: string, headers: Record<string, string>, body: string, opts: OutboundOptions): Promise<OutboundResult> => {
    const started = performance.now();
    const took = () => Math.round(performance.now() - started);
    if (Buffer.byteLength(body) > MAX_BODY_BYTES) return { status: null, error: 'the event is larger than 1 MB', latencyMs: 0 };
    let url = new URL(target);
    try {
      for (let hop = 0; ; hop++) {
        const { res } = await oneRequest(url, headers, body, opts);
        const status = res.statusCode ?? null;
        const location = res.headers.location;
        if (status !== null && status >= 300 && status < 400 && location && hop < (opts.maxRedirects ?? 0)) {
          url = new URL(location, url);
          continue;
        }
        return { status, error: status !== null && status >= 200 && status < 300 ? null : `the receiver answered ${status}`, latencyMs: took() };
      }
    } catch (err) {
      return { status: null, error: inWords(err), latencyMs: took() };
    }
  };

  return {
    REQUEST_TIMEOUT_MS,
    MAX_BODY_BYTES,
    MAX_ANSWER_BYTES,
    isRefusedAddress,
    resolvesToRefused,
    refusalOf,
    keepAliveAgents,
    postSafely,
    RefusedRequest,
  };
}

export type OutboundRules = ReturnType<typeof outboundRules>;

export const { REQUEST_TIMEOUT_MS, MAX_BODY_BYTES, MAX_ANSWER_BYTES, isRefusedAddress, resolvesToRefused, refusalOf, keepAliveAgents, postSafely } =
  outboundRules({ dns: dnsModule, http: httpModule, https: httpsModule, net: netModule });
