import { isIP } from 'node:net';
import type { RequestHandler } from 'express';
import { HttpError } from './http-error.js';

/** 127.0.0.0/8, ::1 and localhost: only this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./.test(bare);
  return false;
}

const MAX_REMEMBERED_HOSTS = 256;

/** Whether `host` (a bind address) means every interface rather than one name or address. */
function isWildcardAddress(host: string): boolean {
  return ['0.0.0.0', '::', '[::]'].includes(host);
}

export interface HostAllowListOptions {
  /** The operator's extra names (`*_ALLOWED_HOSTS`); `.example.com` covers its subdomains too. */
  readonly names?: readonly string[] | undefined;
  /** The address or name the server binds to: a name is allowed with the defaults. */
  readonly boundHost?: string | undefined;
}

/**
 * The host names a server answers to, against DNS rebinding: a page of another site whose name
 * the attacker points at this machine reaches the server with its own name in `Host`, which is
 * not on the list. Always allowed: IP addresses (a browser sends one only for a page loaded from
 * that very address, so no name can be rebound to it), `localhost`, and the bound host.
 */
export class HostAllowList {
  private readonly exact = new Set<string>(['localhost']);
  private readonly listed = new Set<string>();
  private readonly domains: string[] = [];
  /** Answers by `Host` value: a server sees few, and parsing one costs more than the lookup. */
  private readonly answers = new Map<string, boolean>();

  constructor(options: HostAllowListOptions = {}) {
    const bound = options.boundHost?.toLowerCase();
    if (bound !== undefined && !isWildcardAddress(bound)) this.exact.add(bare(bound));
    for (const name of options.names ?? []) {
      if (name.startsWith('.')) this.domains.push(name);
      else this.listed.add(name);
    }
  }

  /** Whether a `Host` header (`name[:port]`) names this server. */
  allows(hostHeader: string | undefined): boolean {
    if (hostHeader === undefined) return false;
    let answer = this.answers.get(hostHeader);
    if (answer === undefined) {
      answer = this.decide(hostHeader);
      // Bounded: a client sending a new Host with every request must not grow it for ever.
      if (this.answers.size >= MAX_REMEMBERED_HOSTS) this.answers.clear();
      this.answers.set(hostHeader, answer);
    }
    return answer;
  }

  private decide(hostHeader: string): boolean {
    const hostname = hostnameOf(hostHeader);
    if (hostname === undefined) return false;
    return isIP(hostname) !== 0 || this.exact.has(hostname) || this.isListed(hostname);
  }

  /**
   * Whether an `Origin` is one of this server's pages, for requests that change something: the
   * same host and port as the request (whose `Host` this list allows), or a name the operator
   * listed (a proxy in front may rewrite `Host`). `null` and non-HTTP origins never are.
   */
  allowsOrigin(origin: string, hostHeader: string | undefined): boolean {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin) {
      return false;
    }
    const requestHost = normalizedHost(hostHeader);
    if (requestHost !== undefined && url.host === requestHost) return this.allows(hostHeader);
    return this.isListed(bare(url.hostname));
  }

  private isListed(hostname: string): boolean {
    return (
      this.listed.has(hostname) ||
      this.domains.some((domain) => hostname === domain.slice(1) || hostname.endsWith(domain))
    );
  }
}

/**
 * Refuses (421 MISDIRECTED_REQUEST) every request whose `Host` is not on the list, before any
 * route runs. `variable` names the setting that extends the list, for the error message.
 */
export function allowedHostsOnly(list: HostAllowList, variable: string): RequestHandler {
  return function checkHost(request, _response, next) {
    const host = request.headers.host;
    if (!list.allows(host)) {
      const shown = JSON.stringify((host ?? '').slice(0, 100));
      throw new HttpError(
        421,
        'MISDIRECTED_REQUEST',
        host === undefined
          ? 'the request has no Host header'
          : `this server does not answer to the host ${shown}: add its name to ${variable}`,
      );
    }
    next();
  };
}

/** `host[:port]` as a URL normalizes it (lower case, `[v6]`), or undefined when it is not one. */
function normalizedHost(hostHeader: string | undefined): string | undefined {
  if (hostHeader === undefined || hostHeader === '') return undefined;
  let url: URL;
  try {
    url = new URL(`http://${hostHeader}/`);
  } catch {
    return undefined;
  }
  // `user@host`, a path or a query smuggled into Host is not a host.
  const plain = url.username === '' && url.password === '' && url.pathname === '/';
  return plain && url.search === '' && url.hash === '' ? url.host : undefined;
}

function hostnameOf(hostHeader: string | undefined): string | undefined {
  const host = normalizedHost(hostHeader);
  return host === undefined ? undefined : bare(new URL(`http://${host}/`).hostname);
}

/** An IPv6 address without its brackets. */
function bare(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, '$1');
}
