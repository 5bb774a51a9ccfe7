import { createServer, request, type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { duplexPair } from './duplex-pair.ts';

function collect(side: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    side.on('data', (c: Buffer) => chunks.push(c));
    side.on('end', () => resolve(Buffer.concat(chunks)));
    side.on('error', reject);
  });
}

describe('duplexPair', () => {
  it('carries bytes both ways with half-close', async () => {
    const [a, b] = duplexPair();
    const atB = collect(b);
    a.end(Buffer.from('hello'));
    expect((await atB).toString()).toBe('hello');
    const atA = collect(a);
    b.end('back');
    expect((await atA).toString()).toBe('back');
  });

  it('applies backpressure: a writer waits until the reader drains', async () => {
    const [a, b] = duplexPair();
    b.pause();
    const chunk = Buffer.alloc(64 * 1024);
    let writes = 0;
    while (a.write(chunk) && writes < 1000) writes++;
    expect(writes).toBeLessThan(10);
    const drained = new Promise((resolve) => a.once('drain', resolve));
    b.resume();
    await drained;
  });

  it('destroying one side destroys the other', async () => {
    const [a, b] = duplexPair();
    const closed = new Promise((resolve) => b.once('close', resolve));
    a.destroy();
    await closed;
    expect(b.destroyed).toBe(true);
  });

  it('serves HTTP/1.1 keep-alive to a non-listening http.Server, with the given client address', async () => {
    const seen: string[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      seen.push(`${req.method} ${req.url} ${req.socket.remoteAddress}`);
      res.end(`ok ${req.url}`);
    });
    const [client, serverSide] = duplexPair({ address: '10.1.2.3', port: 5555 });
    server.emit('connection', serverSide);
    const get = (path: string) =>
      new Promise<string>((resolve, reject) => {
        const req = request({ path, createConnection: () => client as never, headers: { connection: 'keep-alive' } }, (res) => collect(res).then((b) => resolve(b.toString()), reject));
        req.on('error', reject);
        req.end();
      });
    expect(await get('/one')).toBe('ok /one');
    expect(await get('/two')).toBe('ok /two');
    expect(seen).toEqual(['GET /one 10.1.2.3', 'GET /two 10.1.2.3']);
    client.destroy();
    server.close();
  });
});
