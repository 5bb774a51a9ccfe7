/**
 * The HTTP section's upstream (http-app.ts) in a child process of its own, so its CPU is
 * measured apart and it never shares an event loop with the load client or the proxy.
 *
 * Started with `fork`; reports `{ port }` over IPC, answers the message `'stats'` with
 * `{ stats }` (http-app.ts BenchAppStats) and exits when the parent goes.
 */
import { createBenchApp } from './http-app.ts';

const app = createBenchApp();
app.server.listen({ port: 0, host: '127.0.0.1', backlog: 1024 }, () => {
  const address = app.server.address();
  process.send?.({ port: typeof address === 'object' && address !== null ? address.port : 0 });
});
process.on('message', (message: unknown) => {
  if (message !== 'stats') return;
  void app.stats().then((stats) => process.send?.({ stats }));
});
process.on('disconnect', () => process.exit(0));
