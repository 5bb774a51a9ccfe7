/**
 * The CLI with several proxy URLs (docs/failover.md), in-process against two real proxy nodes
 * of one deployment: `login --proxy A --proxy B`, `connect` moving to B when A dies, and
 * `status` showing the endpoints and the one in use.
 */
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnrollmentToken } from '../../proxy/devices/index.ts';
import { crashable, startSecondNode, type CrashableNode } from '../../test/helpers/failover.ts';
import { startEchoStack, TEST_USER, waitFor, type EchoStack } from '../../test/helpers/stack.ts';
import { EXIT_OK, EXIT_USAGE, main, type CliIo } from './main.ts';

let stack: EchoStack;
let nodeA: CrashableNode;
let nodeB: CrashableNode;
let home: string;

beforeAll(async () => {
  stack = await startEchoStack();
  nodeA = crashable(stack.proxy);
  nodeB = crashable(await startSecondNode(stack.proxy));
  home = join(stack.dir, 'cli-home');
}, 30_000);
afterAll(async () => {
  await nodeB?.close();
  await nodeA?.close();
  await stack?.echo.close();
});

function cli(): { io: CliIo; out: string[]; err: string[]; stop: () => void } {
  const out: string[] = [];
  const err: string[] = [];
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  return { out, err, stop, io: { out: (l) => out.push(l), err: (l) => err.push(l), env: { ZEROGATE_HOME: home }, untilStopped: () => stopped } };
}

/** One line echoed through a local port. */
function echoLine(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: '127.0.0.1', port }, () => socket.end('ping\n'));
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString()));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

describe('zerogate with several proxy URLs', () => {
  it('a malformed URL among several is a usage error (exit 2)', async () => {
    const run = cli();
    expect(await main(['login', '--proxy', `${nodeA.url},http://b.example`, '--token', 'x'], run.io)).toBe(EXIT_USAGE);
    expect(run.err.join('\n')).toMatch(/^error ZG_ERR_USAGE: --proxy must be an https:\/\/ URL/);
  });

  it('login takes --proxy twice; connect fails over when its node dies; status shows the endpoints', { timeout: 60_000 }, async () => {
    const { token } = await createEnrollmentToken(stack.proxy.store, TEST_USER, 60_000);
    const login = cli();
    expect(await main(['login', '--proxy', nodeA.url, '--proxy', nodeB.url, '--ca-fingerprint', stack.proxy.pki.caFingerprint, '--token', token], login.io)).toBe(EXIT_OK);
    expect(login.out[0]).toContain(`at ${nodeA.url}, ${nodeB.url}`);

    const run = cli();
    const running = main(['connect', 'echo'], run.io);
    await waitFor(() => run.err.some((l) => l.startsWith('tunnel: connected')), 10_000, 'the tunnel');
    expect(run.err).toContain(`tunnel: connected to ${nodeA.url}`);
    const port = Number(/:(\d+) /.exec(run.out[0] ?? '')?.[1]);
    expect(await echoLine(port)).toBe('ping\n');

    const status = cli();
    expect(await main(['status', '--json'], status.io)).toBe(EXIT_OK);
    const info = JSON.parse(status.out.join('\n')) as { proxies: string[]; endpointInUse?: { origin: string } };
    expect(info.proxies).toEqual([nodeA.url, nodeB.url]);
    expect(info.endpointInUse?.origin).toBe(nodeA.url);

    await nodeA.crash();
    await waitFor(() => run.err.includes(`tunnel: connected to ${nodeB.url}`), 5_000, 'the tunnel on node B');
    expect(await echoLine(port)).toBe('ping\n');

    const text = cli();
    expect(await main(['status'], text.io)).toBe(EXIT_OK);
    expect(text.out).toContain(`    ${nodeA.url}`);
    expect(text.out.find((l) => l.startsWith(`  * ${nodeB.url}  (in use, since `))).toBeDefined();

    run.stop();
    expect(await running).toBe(EXIT_OK);
    // Once the agent stopped, no endpoint is in use.
    const after = cli();
    await main(['status', '--json'], after.io);
    expect(JSON.parse(after.out.join('\n'))).not.toHaveProperty('endpointInUse');
  });
});
