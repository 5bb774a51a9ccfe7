/**
 * The HTTP section's load client (http-client.ts) in a child process of its own: it never shares
 * an event loop with the app, the agent or the proxy, and its CPU is measured apart.
 *
 * Started with `fork`; each IPC message `{ id, job }` runs one measurement and is answered with
 * `{ id, ok: true, result }` or `{ id, ok: false, error }`. Exits when the parent goes.
 */
import { runHttpJob, type HttpJob, type HttpJobResult } from './http-client.ts';

export interface HttpLoadRequest {
  id: number;
  job: HttpJob;
}

export type HttpLoadReply = { id: number; ok: true; result: HttpJobResult } | { id: number; ok: false; error: string };

process.on('message', (message: HttpLoadRequest) => {
  runHttpJob(message.job).then(
    (result) => process.send?.({ id: message.id, ok: true, result } satisfies HttpLoadReply),
    (error: unknown) => process.send?.({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies HttpLoadReply),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
