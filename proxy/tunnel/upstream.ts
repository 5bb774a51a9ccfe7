import { lookup } from 'node:dns/promises';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { connect, isIP, type Socket } from 'node:net';
import type { Problem } from '../../shared/wire/index.ts';

/** Where an app's traffic goes. Only what an admin published: nothing in an OPEN changes it. */
export interface Upstream {
  host: string;
  port: number;
}

export type DialResult = { ok: true; socket: Socket } | { ok: false; problem: Problem };

/**
 * Judges one address a dial would connect to (the SSRF guard of apps published through the
 * API): undefined when allowed, else why not. `host` is the upstream as published.
 */
export type DialGuard = (target: { host: string; address: string; port: number }) => string | undefined;

/** Every address of `host` (itself when it is an address), or undefined when it does not resolve. */
async function addressesOf(host: string): Promise<string[] | undefined> {
  if (isIP(host) !== 0) return [host];
  try {
    return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch {
    return undefined;
  }
}

/**
 * Resolves a guarded upstream and picks the address to connect to: every address the name
 * resolves to must pass the guard (one restricted answer refuses the dial), and the socket then
 * connects to that vetted address, not to the name, so a second resolution cannot differ
 * (DNS rebinding).
 */
async function vetted(appId: string, upstream: Upstream, guard: DialGuard): Promise<{ ok: true; address: string } | { ok: false; problem: Problem }> {
  const addresses = await addressesOf(upstream.host);
  if (addresses === undefined || addresses.length === 0) {
    return { ok: false, problem: { code: 'ZG_ERR_UPSTREAM_UNREACHABLE', reasons: [], message: `app ${appId} is unreachable (its upstream name does not resolve)` } };
  }
  for (const address of addresses) {
    const why = guard({ host: upstream.host, address, port: upstream.port });
    if (why !== undefined) {
      return {
        ok: false,
        problem: {
          code: 'ZG_ERR_UPSTREAM_UNREACHABLE',
          reasons: [],
          message: `app ${appId} is unreachable: its upstream resolves to a restricted address (the proxy itself, link-local or cloud metadata), which the proxy refuses for apps published through the API`,
        },
      };
    }
  }
  return { ok: true, address: addresses[0] as string };
}

/** The error a guarded lookup fails with: the upstream resolves to a restricted address. */
export const RESTRICTED_UPSTREAM = 'EZG_RESTRICTED_UPSTREAM';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for `net.connect` / `http.request` that applies `guard` at dial time, as
 * {@link dialUpstream} does: every address of the name must pass (the first is used), so a
 * pooled keep-alive connection to an API-published HTTP app is vetted like a tunnel dial. (An IP
 * literal never reaches a lookup: check it with {@link checkLiteral} before the request.)
 */
export function guardedLookup(guard: DialGuard, port: number): (hostname: string, options: LookupOptions, callback: LookupCallback) => void {
  return (hostname, options, callback) => {
    addressesOf(hostname).then(
      (addresses) => {
        if (addresses === undefined || addresses.length === 0) {
          callback(Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }), '');
          return;
        }
        if (addresses.some((address) => guard({ host: hostname, address, port }) !== undefined)) {
          callback(Object.assign(new Error('the upstream resolves to a restricted address'), { code: RESTRICTED_UPSTREAM }), '');
          return;
        }
        const address = addresses[0] as string;
        const family = isIP(address);
        if (options.all === true) callback(null, [{ address, family }]);
        else callback(null, address, family);
      },
      (error: unknown) => callback(error as NodeJS.ErrnoException, ''),
    );
  };
}

/** For an upstream given as an IP address: the guard's verdict on it (undefined: allowed). */
export function checkLiteral(guard: DialGuard, upstream: Upstream): string | undefined {
  return isIP(upstream.host) === 0 ? undefined : guard({ host: upstream.host, address: upstream.host, port: upstream.port });
}

/**
 * Upstream reads land in one buffer shared by every upstream socket of this process, instead of
 * a fresh 64 KiB allocation per read. It is safe because a read is consumed synchronously: the
 * stream copies it into a DATA frame (or, out of credit, into its pending copy) before control
 * returns to the event loop and the next read.
 */
export const UPSTREAM_READ_BYTES = 64 * 1024;
const sharedReadBuffer = Buffer.allocUnsafe(UPSTREAM_READ_BYTES);

/**
 * Connects to a published upstream with a deadline. The error message names the app, not the
 * internal address, so the agent learns nothing about the network behind the proxy.
 */
export async function dialUpstream(appId: string, upstream: Upstream, timeoutMs: number, guard?: DialGuard): Promise<DialResult> {
  if (guard === undefined) return connectUpstream(appId, upstream, timeoutMs);
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<{ ok: false; problem: Problem }>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, problem: { code: 'ZG_ERR_UPSTREAM_TIMEOUT', reasons: [], message: `app ${appId} did not answer in time` } }), timeoutMs);
  });
  const target = await Promise.race([vetted(appId, upstream, guard), late]);
  clearTimeout(timer);
  if (!target.ok) return target;
  return connectUpstream(appId, { host: target.address, port: upstream.port }, Math.max(1, timeoutMs - (Date.now() - started)));
}

function connectUpstream(appId: string, upstream: Upstream, timeoutMs: number): Promise<DialResult> {
  return new Promise((resolve) => {
    const socket: Socket = connect({
      host: upstream.host,
      port: upstream.port,
      allowHalfOpen: true,
      noDelay: true,
      onread: {
        buffer: sharedReadBuffer,
        callback: (bytes: number, buffer: Uint8Array) => {
          socket.emit('data', buffer.subarray(0, bytes));
          return true;
        },
      },
    });
    // Nothing is read until the stream is accepted: a server that speaks first (SSH, SMTP) waits.
    socket.pause();
    let settled = false;
    const finish = (result: DialResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeListener('error', onError);
      socket.removeListener('connect', onConnect);
      resolve(result);
    };
    const timer = setTimeout(() => {
      socket.destroy();
      finish({
        ok: false,
        problem: { code: 'ZG_ERR_UPSTREAM_TIMEOUT', reasons: [], message: `app ${appId} did not answer in time` },
      });
    }, timeoutMs);
    const onError = (error: NodeJS.ErrnoException): void => {
      socket.destroy();
      const why = error.code === 'ECONNREFUSED' ? 'refused the connection' : 'is unreachable';
      finish({ ok: false, problem: { code: 'ZG_ERR_UPSTREAM_UNREACHABLE', reasons: [], message: `app ${appId} ${why}` } });
    };
    const onConnect = (): void => finish({ ok: true, socket });
    socket.once('error', onError);
    socket.once('connect', onConnect);
  });
}
