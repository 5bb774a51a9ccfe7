import { connect, type Socket } from 'node:net';
import type { Problem } from '../../shared/wire/index.ts';

/** Where an app's traffic goes. Only what an admin published: nothing in an OPEN changes it. */
export interface Upstream {
  host: string;
  port: number;
}

export type DialResult = { ok: true; socket: Socket } | { ok: false; problem: Problem };

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
export function dialUpstream(appId: string, upstream: Upstream, timeoutMs: number): Promise<DialResult> {
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
