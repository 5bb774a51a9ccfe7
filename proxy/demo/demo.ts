import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/index.ts';
import { createEnrollmentToken } from '../devices/index.ts';
import { startProxy, type RunningProxy } from '../server/index.ts';
import { startSampleApps, type SampleApps } from './sample-apps.ts';

export const DEMO_USER = 'demo@example.com';
export const DEMO_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

export interface Demo {
  proxy: RunningProxy;
  apps: SampleApps;
  dir: string;
  configFile: string;
  token: string;
  instructions: string;
  close(): Promise<void>;
}

/**
 * `zerogate-proxy demo` (what `npm start` runs): a proxy with a fresh CA in a temp data dir,
 * two sample internal apps, and a one-time token, with the exact agent commands to try.
 */
export async function startDemo(options: { port?: number; log?: (line: string) => void } = {}): Promise<Demo> {
  const dir = mkdtempSync(join(tmpdir(), 'zerogate-demo-'));
  const apps = await startSampleApps();
  const port = options.port ?? 8443;
  const configFile = join(dir, 'zerogate.yaml');
  writeFileSync(
    configFile,
    `# Written by \`zerogate-proxy demo\`.
server:
  listen: "127.0.0.1:${port}"
  hostnames: [localhost, 127.0.0.1]
dataDir: ./data
audit:
  file: ./audit.jsonl
apps:
  - id: hello
    name: Demo web page
    upstream: http://127.0.0.1:${apps.httpPort}
    users: [${DEMO_USER}]
  - id: echo
    name: Demo TCP echo
    upstream: tcp://127.0.0.1:${apps.echoPort}
    users: [${DEMO_USER}]
`,
    { mode: 0o600 },
  );
  let proxy: RunningProxy;
  try {
    proxy = await startProxy({ config: loadConfig(configFile), ...(options.log ? { log: options.log } : {}) });
  } catch (error) {
    await apps.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const { token } = await createEnrollmentToken(proxy.store, DEMO_USER, DEMO_TOKEN_TTL_MS);
  const home = join(dir, 'agent-home');
  const instructions = `
Zerogate demo is running.
  proxy:        ${proxy.url}
  CA (SHA-256): ${proxy.pki.caFingerprint}
  config:       ${configFile}
  audit log:    ${join(dir, 'audit.jsonl')}
  apps:         hello (HTTP page), echo (TCP echo), both for ${DEMO_USER}

In another terminal, from this folder:

  # 1. enrol a device with the one-time token (valid 24 h, single use)
  export ZEROGATE_HOME=${home}
  ./bin/zerogate.js login --proxy ${proxy.url} --ca-fingerprint ${proxy.pki.caFingerprint} \\
      --token ${token}

  # 2. reach the web page through the tunnel
  ./bin/zerogate.js connect hello --listen 127.0.0.1:8080 &
  curl http://127.0.0.1:8080/

  # 3. reach the TCP echo service
  ./bin/zerogate.js connect echo --listen 127.0.0.1:7007 &
  echo hello-zerogate | curl -s --max-time 1 telnet://127.0.0.1:7007

  # or serve every app this device may reach, then list verdicts
  ./bin/zerogate.js up
  ./bin/zerogate.js apps

  # more tokens:   ./bin/zerogate-proxy.js token create --config ${configFile} --user ${DEMO_USER}
  # revoke device: ./bin/zerogate-proxy.js device revoke --config ${configFile} <device-id>

Ctrl-C stops the demo and deletes its temp folder.
`;
  return {
    proxy,
    apps,
    dir,
    configFile,
    token,
    instructions,
    close: async () => {
      await proxy.close();
      await apps.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
