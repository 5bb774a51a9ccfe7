import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_BIN, enrollHome, freePort, rssOf, spawnCli, startProxyProcess, type Child, type ProxyProcess } from '../helpers/processes.ts';
import { startUpstream, tempDir, TEST_USER, type CountingServer } from '../helpers/stack.ts';

const MiB = 1024 * 1024;
const TOTAL = 1024 * MiB;
/** How much the proxy and the agent may grow while 1 GiB passes a slow reader. */
const RSS_HEADROOM = 96 * MiB;

describe('backpressure: a slow reader bounds memory in the proxy and the agent', () => {
  let dir: string;
  let proxy: ProxyProcess;
  let agent: Child;
  let sink: CountingServer;
  let reader: Socket | undefined;
  const readerReady: { resolve?: (s: Socket) => void } = {};
  let listenPort: number;

  beforeAll(async () => {
    dir = tempDir();
    sink = await startUpstream((socket) => {
      socket.pause();
      reader = socket;
      readerReady.resolve?.(socket);
    });
    proxy = await startProxyProcess(dir, await freePort(), `  - id: sink\n    upstream: tcp://127.0.0.1:${sink.port}\n    users: [${TEST_USER}]\n`);
    await enrollHome(proxy, join(dir, 'home'), TEST_USER);
    listenPort = await freePort();
    agent = spawnCli(AGENT_BIN, ['connect', 'sink', '--listen', `127.0.0.1:${listenPort}`], { ZEROGATE_HOME: join(dir, 'home') });
    await agent.waitFor(/tunnel: connected/);
  }, 60_000);
  afterAll(async () => {
    await agent?.kill();
    await proxy?.kill();
    await sink?.close();
  });

  it('holds a fast writer back while the reader stalls, then delivers 1 GiB intact', async () => {
    const block = randomBytes(MiB);
    const sent = createHash('sha256');
    const got = createHash('sha256');
    let written = 0;
    let received = 0;
    const gotReader = new Promise<Socket>((r) => (readerReady.resolve = r));
    const writer = connect({ host: '127.0.0.1', port: listenPort });
    const writerDone = new Promise<void>((resolve, reject) => {
      writer.on('error', reject);
      const pump = (): void => {
        while (written < TOTAL) {
          sent.update(block);
          written += block.length;
          if (!writer.write(block)) {
            writer.once('drain', pump);
            return;
          }
        }
        writer.end(resolve);
      };
      writer.on('connect', pump);
    });
    const upstream = await gotReader;
    const baseline = { proxy: rssOf(proxy.process.pid!), agent: rssOf(agent.process.pid!) };
    const peak = { ...baseline };
    const sample = setInterval(() => {
      peak.proxy = Math.max(peak.proxy, rssOf(proxy.process.pid!));
      peak.agent = Math.max(peak.agent, rssOf(agent.process.pid!));
    }, 50);

    // Phase 1: the reader does not read at all for 2 s. The writer must be held back after the
    // socket buffers and the stream window fill, not be allowed to push the GiB into memory.
    await new Promise((r) => setTimeout(r, 2_000));
    const writtenWhileStalled = written;
    expect(writtenWhileStalled).toBeLessThan(64 * MiB);

    // Phase 2: the reader reads in bursts (20 ms on, 20 ms off): slower than the writer.
    const done = new Promise<void>((resolve) => {
      upstream.on('data', (chunk: Buffer) => {
        got.update(chunk);
        received += chunk.length;
      });
      upstream.on('end', () => resolve());
    });
    const throttle = setInterval(() => (upstream.isPaused() ? upstream.resume() : upstream.pause()), 20);
    await Promise.all([done, writerDone]);
    clearInterval(throttle);
    clearInterval(sample);

    expect(received).toBe(TOTAL);
    expect(got.digest('hex')).toBe(sent.digest('hex'));
    const growth = { proxy: peak.proxy - baseline.proxy, agent: peak.agent - baseline.agent };
    console.log(`slow reader: stalled writer at ${(writtenWhileStalled / MiB).toFixed(1)} MiB; RSS growth proxy ${(growth.proxy / MiB).toFixed(1)} MiB, agent ${(growth.agent / MiB).toFixed(1)} MiB`);
    expect(growth.proxy).toBeLessThan(RSS_HEADROOM);
    expect(growth.agent).toBeLessThan(RSS_HEADROOM);
    upstream.end();
    void reader;
  }, 180_000);
});
