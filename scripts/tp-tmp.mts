import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { AGENT_BIN, enrollHome, freePort, spawnCli, startProxyProcess } from '../test/helpers/processes.ts';

const SIZE = Number(process.env.SIZE ?? 1024) * 1024 * 1024;
const block = Buffer.alloc(1024 * 1024, 7);
const src = createServer((s) => {
  let sent = 0;
  s.on('error', () => {});
  const pump = () => { while (sent < SIZE) { sent += block.length; if (!s.write(block)) { s.once('drain', pump); return; } } s.end(); };
  pump();
});
await new Promise<void>((r) => src.listen(0, '127.0.0.1', () => r()));
const srcPort = (src.address() as any).port;
const dir = mkdtempSync(join(tmpdir(), 'tp-'));
const extra = process.env.EXTRA ?? '';
const proxy = await startProxyProcess(dir, await freePort(), `  - id: src\n    upstream: tcp://127.0.0.1:${srcPort}\n    users: [a@example.com]\n`, `audit:\n  file: none\n${extra}`.replace(/^audit:\n  file: none\n/, ''));
await enrollHome(proxy, join(dir, 'home'), 'a@example.com');
const port = await freePort();
const agent = spawnCli(AGENT_BIN, ['connect', 'src', '--listen', `127.0.0.1:${port}`], { ZEROGATE_HOME: join(dir, 'home'), NODE_OPTIONS: process.env.AGENT_NODE_OPTIONS ?? '' });
await agent.waitFor(/tunnel: connected/);
for (let run = 0; run < 3; run++) {
  const t0 = performance.now();
  const got = await new Promise<number>((resolve) => {
    let n = 0;
    const c = connect({ host: '127.0.0.1', port });
    c.on('data', (d) => (n += d.length));
    c.on('end', () => resolve(n));
  });
  const s = (performance.now() - t0) / 1000;
  console.log(`run ${run}: ${(got / 1e6 / s).toFixed(0)} MB/s (${got} bytes)`);
}
await agent.kill(); await proxy.kill(); src.close();
