/**
 * The application behind the tunnel in the continuous-verification and load sections
 * (verification.ts, load-run.ts): a TCP echo server in a child process of its own. Every stream
 * the agents hold open ends here; the echo of the first bytes proves a stream reached the app
 * before it is counted as live.
 *
 * Started with `fork`; it reports `{ port }` over IPC, answers the message `'connections'` with
 * `{ connections }` (open connections now, the load section's cross-check) and exits when the
 * parent goes.
 */
import { createServer } from 'node:net';

const server = createServer({ noDelay: true }, (socket) => {
  socket.on('error', () => socket.destroy());
  socket.pipe(socket);
});
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address !== null ? address.port : 0 });
});
process.on('message', (message: unknown) => {
  if (message !== 'connections') return;
  server.getConnections((error, connections) => process.send?.({ connections: error === null ? connections : -1 }));
});
process.on('disconnect', () => process.exit(0));
