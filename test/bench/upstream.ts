/**
 * The bench upstream, a child process of its own: a TCP source for downloads and a one-byte
 * responder for latency and opens (protocol in wire.ts). It sends one preallocated buffer over
 * and over, honouring backpressure, so it costs as little CPU as a Node server can.
 *
 * Started by run.ts with `fork`; it reports `{ port }` over IPC and exits when the parent goes.
 */
import { createServer, type Socket } from 'node:net';
import { DOWNLOAD_REQUEST_SIZE, OP_DOWNLOAD, OP_PING, PONG } from './wire.ts';

/** Bytes handed to the kernel per `write()`. */
const SOURCE_CHUNK = 256 * 1024;
const source = Buffer.alloc(SOURCE_CHUNK, 0xa5);
const pong = Buffer.from([PONG]);

function serve(socket: Socket): void {
  socket.on('error', () => socket.destroy());
  let head: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    const op = head[0];
    if (op === OP_PING) {
      socket.removeListener('data', onData);
      socket.write(pong);
      // Anything further is ignored; the socket closes when the client's FIN arrives
      // (allowHalfOpen is off, so Node ends our side then).
      socket.resume();
      return;
    }
    if (op === OP_DOWNLOAD) {
      if (head.length < DOWNLOAD_REQUEST_SIZE) return;
      socket.removeListener('data', onData);
      socket.resume();
      pump(socket, Number(head.readBigUInt64BE(1)));
      return;
    }
    socket.destroy();
  };
  socket.on('data', onData);
}

function pump(socket: Socket, total: number): void {
  let left = total;
  const write = () => {
    while (left > 0) {
      const n = Math.min(left, SOURCE_CHUNK);
      left -= n;
      if (!socket.write(n === SOURCE_CHUNK ? source : source.subarray(0, n))) return;
    }
    socket.removeListener('drain', write);
    socket.end();
  };
  socket.on('drain', write);
  write();
}

const server = createServer({ noDelay: true }, serve);
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address !== null ? address.port : 0 });
});
process.on('disconnect', () => process.exit(0));
