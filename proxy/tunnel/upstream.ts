import { connect, type Socket } from 'node:net';
import type { Problem } from '../../shared/wire/index.ts';

/** Where an app's traffic goes. Only what an admin published: nothing in an OPEN changes it. */
export interface Upstream {
  host: string;
  port: number;
}

export type DialResult = { ok: true; socket: Socket } | { ok: false; problem: Problem };

/**
 * Connects to a published upstream with a deadline. The error message names the app, not the
 * internal address, so the agent learns nothing about the network behind the proxy.
 */
export function dialUpstream(appId: string, upstream: Upstream, timeoutMs: number): Promise<DialResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: upstream.host, port: upstream.port, allowHalfOpen: true, noDelay: true });
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
