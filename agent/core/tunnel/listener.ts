import { createServer, type Server, type Socket } from 'node:net';
import { ZerogateError } from '../../../shared/errors.ts';
import type { Problem } from '../../../shared/wire/index.ts';
import type { TunnelClient } from './client.ts';

export interface ListenAddress {
  host: string;
  port: number;
}

export interface AppListener {
  app: string;
  address: ListenAddress;
  close(): Promise<void>;
}

export interface ListenerEvents {
  onDenied?: (app: string, problem: Problem) => void;
  onError?: (app: string, error: Error) => void;
}

/** Parses `127.0.0.1:PORT` / `[::1]:PORT`. Only loopback is accepted: a listener is never a LAN gateway. */
export function parseListenAddress(input: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:]+)\]|([^:]+)):(\d{1,5})$/.exec(input);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ZerogateError('ZG_ERR_USAGE', `--listen must be HOST:PORT (e.g. 127.0.0.1:8080), got "${input.slice(0, 60)}"`);
  }
  if (!(host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host))) {
    throw new ZerogateError('ZG_ERR_USAGE', `--listen must be a loopback address (127.0.0.1, ::1 or localhost), got "${host}"`);
  }
  return { host, port };
}

/**
 * A local listener for one app: every connection to it becomes a stream through the tunnel.
 * Sockets start paused and stay so until the proxy accepts the stream.
 */
export function listenApp(client: TunnelClient, app: string, address: ListenAddress, events: ListenerEvents = {}): Promise<AppListener> {
  const server: Server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (socket: Socket) => {
    socket.on('error', () => undefined);
    client
      .open({ app }, socket, {
        onOpenFail: (problem) => events.onDenied?.(app, problem),
      })
      .catch((error: Error) => events.onError?.(app, error));
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(new ZerogateError('ZG_ERR_USAGE', `cannot listen on ${address.host}:${address.port} for ${app} (${error.code ?? error.message})`, { cause: error }));
    });
    server.listen(address.port, address.host, () => {
      const bound = server.address();
      const port = typeof bound === 'object' && bound !== null ? bound.port : address.port;
      resolve({
        app,
        address: { host: address.host, port },
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
