import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { enrollWithToken } from '../../agent/core/enroll/index.ts';
import { AgentHome } from '../../agent/core/state/index.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const PROXY_BIN = join(ROOT, 'bin/zerogate-proxy.js');
export const AGENT_BIN = join(ROOT, 'bin/zerogate.js');

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export interface Child {
  process: ChildProcess;
  output: () => string;
  /** Resolves with the first output line matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function spawnCli(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Child {
  // ZG_CHILD_NODE_FLAGS lets a developer profile the children (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
  const flags = (process.env.ZG_CHILD_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
  const child = spawn(process.execPath, [...flags, bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    for (const l of [...listeners]) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    process: child,
    output: () => output,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolvePromise, reject) => {
        const check = (): void => {
          const match = output.match(pattern);
          if (match !== null) {
            listeners.delete(check);
            clearTimeout(timer);
            resolvePromise(match);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern} in:\n${output}`));
        }, timeoutMs);
        listeners.add(check);
        child.once('exit', (code) => {
          if (listeners.has(check)) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`process exited (${code}) before ${pattern}:\n${output}`));
          }
        });
        check();
      });
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Runs a CLI to completion and returns its exit code and output. */
export function runCli(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}

export interface ProxyProcess extends Child {
  url: string;
  configFile: string;
  caFingerprint: string;
}

/** Writes a config into `dir` and starts `zerogate-proxy serve` on `port`. */
export async function startProxyProcess(dir: string, port: number, apps: string, extra = ''): Promise<ProxyProcess> {
  const configFile = join(dir, 'zerogate.yaml');
  writeFileSync(
    configFile,
    `server:\n  listen: "127.0.0.1:${port}"\n  hostnames: [localhost, 127.0.0.1]\ndataDir: ./data\naudit:\n  file: ./audit.jsonl\n${extra}apps:\n${apps}`,
  );
  return restartProxyProcess(configFile, port);
}

export async function restartProxyProcess(configFile: string, port: number): Promise<ProxyProcess> {
  const child = spawnCli(PROXY_BIN, ['serve', '--config', configFile]);
  const [, fp] = await child.waitFor(/device CA fingerprint \(SHA-256\): ([0-9A-F:]{95})/);
  await child.waitFor(/listening on/);
  return Object.assign(child, { url: `https://127.0.0.1:${port}`, configFile, caFingerprint: fp! });
}

/** Creates a token with the CLI and enrols a fresh agent home with it. */
export async function enrollHome(proxy: ProxyProcess, homeDir: string, user: string): Promise<AgentHome> {
  const created = await runCli(PROXY_BIN, ['token', 'create', '--config', proxy.configFile, '--user', user, '--json']);
  if (created.code !== 0) throw new Error(`token create failed: ${created.stderr}`);
  const { token } = JSON.parse(created.stdout) as { token: string };
  const home = new AgentHome(homeDir);
  await enrollWithToken({ proxyUrl: proxy.url, token, caFingerprint: proxy.caFingerprint, home });
  return home;
}

/** Resident set size of a process in bytes (Linux /proc). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match === null ? 0 : Number(match[1]) * 1024;
}
