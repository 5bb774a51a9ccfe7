/** Reading a body into memory for an inspector, never more than its limit. */
import type { Readable } from 'node:stream';

export type Limited = { kind: 'ok'; body: Buffer } | { kind: 'too-large'; chunks: Buffer[] } | { kind: 'aborted' };

/**
 * Reads `stream` to its end if it holds at most `max` bytes. Past `max` it stops reading (the
 * stream is left paused) and returns what it read, so the caller can refuse, or stream the rest
 * after those chunks.
 */
export function readLimited(stream: Readable, max: number): Promise<Limited> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: Limited): void => {
      if (done) return;
      done = true;
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onAbort);
      stream.off('aborted', onAbort);
      stream.off('close', onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > max) {
        stream.pause();
        finish({ kind: 'too-large', chunks });
      }
    };
    const onEnd = (): void => finish({ kind: 'ok', body: Buffer.concat(chunks, size) });
    const onAbort = (): void => finish({ kind: 'aborted' });
    const onClose = (): void => {
      if (!stream.readableEnded) onAbort();
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onAbort);
    stream.once('aborted', onAbort);
    stream.once('close', onClose);
    if (stream.readableEnded) onEnd();
  });
}
