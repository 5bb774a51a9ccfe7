/**
 * The path under test, set up exactly as an operator would through the two CLIs: a proxy
 * (`zerogate-proxy serve`) with a temp config publishing the bench upstream as app `bench`, a
 * one-time token (`token create --json`), an enrolled device (`zerogate login`), and the agent
 * serving the app on a loopback port (`zerogate connect bench --listen 127.0.0.1:0`). Proxy and
 * agent are separate processes.
 *
 * The config raises `limits.maxOpensPerSecond` to its ceiling (10000, DESIGN.md §4) so the
 * per-device open-rate limiter (default 100/s) does not cap the opens/s figure; every other
 * setting is the default. Audit events go to a JSON-lines file, as in production.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cleanup } from './cleanup.ts';
import { freePort, runCommand, Service } from './processes.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PROXY_BIN = join(REPO, 'bin', 'zerogate-proxy.js');
const AGENT_BIN = join(REPO, 'bin', 'zerogate.js');
const APP = 'bench';
const USER = 'bench@example.com';
/** The ceiling of `limits.maxOpensPerSecond` (proxy/config/defaults.ts LIMIT_BOUNDS). */
export const BENCH_MAX_OPENS_PER_SECOND = 10_000;
const START_TIMEOUT_MS = 60_000;

export interface RunningZerogate {
  /** Where the load generator connects: the agent's local listener. */
  port: number;
  proxy: Service;
  agent: Service;
  proxyUrl: string;
  settings: Record<string, string | number | boolean>;
}

export interface ZerogateOptions {
  dir: string;
  upstreamPort: number;
  cleanup: Cleanup;
  /** Extra node flags for the proxy and agent processes (e.g. `--cpu-prof`). */
  nodeFlags?: (name: 'proxy' | 'agent') => string[];
}

function writeConfig(file: string, proxyPort: number, upstreamPort: number): void {
  writeFileSync(
    file,
    `# Written by test/bench/zerogate.ts for one bench run.
server:
  listen: "127.0.0.1:${proxyPort}"
  hostnames: [localhost, 127.0.0.1]
dataDir: ./data
audit:
  file: ./audit.jsonl
limits:
  # Raised from the default 100 so the open-rate limiter does not cap the opens/s figure.
  maxOpensPerSecond: ${BENCH_MAX_OPENS_PER_SECOND}
apps:
  - id: ${APP}
    name: Bench upstream
    upstream: tcp://127.0.0.1:${upstreamPort}
    users: [${USER}]
`,
    { mode: 0o600 },
  );
}

export async function startZerogate(options: ZerogateOptions): Promise<RunningZerogate> {
  const { dir, upstreamPort, cleanup } = options;
  const flags = options.nodeFlags ?? (() => []);
  const configFile = join(dir, 'zerogate.yaml');
  const proxyPort = await freePort();
  writeConfig(configFile, proxyPort, upstreamPort);

  const proxy = new Service('proxy', process.execPath, [...flags('proxy'), PROXY_BIN, 'serve', '--config', configFile], cleanup, {
    logFile: join(dir, 'proxy.log'),
  });
  cleanup.add('proxy', () => proxy.stop());
  const url = (await proxy.waitFor(/listening on (https:\/\/\S+)/, START_TIMEOUT_MS, 'listening line'))[1] as string;
  const fingerprint = (await proxy.waitFor(/fingerprint \(SHA-256\): (\S+)/, START_TIMEOUT_MS, 'CA fingerprint'))[1] as string;

  const created = await runCommand(process.execPath, [PROXY_BIN, 'token', 'create', '--config', configFile, '--user', USER, '--json'], cleanup, {
    what: 'zerogate-proxy token create',
  });
  const token = (JSON.parse(created.stdout) as { token: string }).token;

  const env = { ...process.env, ZEROGATE_HOME: join(dir, 'agent-home') };
  await runCommand(process.execPath, [AGENT_BIN, 'login', '--proxy', url, '--ca-fingerprint', fingerprint, '--token', token], cleanup, {
    env,
    what: 'zerogate login',
  });

  const agent = new Service('agent', process.execPath, [...flags('agent'), AGENT_BIN, 'connect', APP, '--listen', '127.0.0.1:0'], cleanup, {
    env,
    logFile: join(dir, 'agent.log'),
  });
  cleanup.add('agent', () => agent.stop());
  const port = Number((await agent.waitFor(/ is on 127\.0\.0\.1:(\d+)/, START_TIMEOUT_MS, 'listener line'))[1]);
  await agent.waitFor(/tunnel: connected/, START_TIMEOUT_MS, 'tunnel connection');
  return {
    port,
    proxy,
    agent,
    proxyUrl: url,
    settings: {
      maxOpensPerSecond: BENCH_MAX_OPENS_PER_SECOND,
      maxOpensPerSecondNote: 'raised from the default 100 so the open-rate limiter does not cap opens/s',
      limits: 'all other limits default (64 KiB frames, 256 KiB initial window, 1024 streams)',
      audit: 'JSON-lines file and the SQLite store, as in production',
      tls: 'proxy defaults (proxy/server/tls.ts): TLS 1.3 negotiated, TLS_AES_128_GCM_SHA256 preferred',
    },
  };
}
