import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/index.ts';
import { createEnrollmentToken } from '../devices/index.ts';
import { startProxy, type RunningProxy } from '../server/index.ts';
import { startSampleApps, type SampleApps } from './sample-apps.ts';
import { hashPassword } from '../identity/idp/index.ts';
import { newTotpSecret } from '../identity/idp/totp.ts';
import { generatePassword } from '../cli/user-command.ts';

/** The user the demo's one-time enrolment token is for (headless path). */
export const DEMO_USER = 'demo@example.com';

/** The demo's users of the embedded IdP: an admin, a helpdesk person and an employee. */
export const DEMO_USERS = [
  { username: 'alice', email: 'alice@example.com', name: 'Alice (employee)', groups: ['engineering'] },
  { username: 'hank', email: 'hank@example.com', name: 'Hank (helpdesk)', groups: ['helpdesk'] },
  { username: 'ada', email: 'ada@example.com', name: 'Ada (admin)', groups: ['admin', 'engineering'] },
] as const;

export interface DemoUser {
  username: string;
  email: string;
  groups: readonly string[];
  password: string;
  totpSecret: string;
}
export const DEMO_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

export interface Demo {
  proxy: RunningProxy;
  apps: SampleApps;
  dir: string;
  configFile: string;
  token: string;
  users: DemoUser[];
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
  const users: DemoUser[] = DEMO_USERS.map((u) => ({ ...u, password: generatePassword(), totpSecret: newTotpSecret() }));
  const userYaml = (
    await Promise.all(
      users.map(
        async (u) => `    - username: ${u.username}
      email: ${u.email}
      groups: [${u.groups.join(', ')}]
      passwordHash: "${await hashPassword(u.password)}"
      totpSecret: ${u.totpSecret}`,
      ),
    )
  ).join('\n');
  const appUsers = ['alice', 'ada', DEMO_USER].join(', ');
  writeFileSync(
    configFile,
    `# Written by \`zerogate-proxy demo\`.
server:
  listen: "127.0.0.1:${port}"
  hostnames: [localhost, 127.0.0.1]
dataDir: ./data
audit:
  file: ./audit.jsonl
identity:
  users:
${userYaml}
apps:
  - id: hello
    name: Demo web page
    upstream: http://127.0.0.1:${apps.httpPort}
    users: [${appUsers}]
  - id: echo
    name: Demo TCP echo
    upstream: tcp://127.0.0.1:${apps.echoPort}
    users: [${appUsers}]
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
  sign-in:      ${proxy.config.server.publicUrl}/idp (embedded IdP: password, then a TOTP code; your
                browser will warn about its certificate, which the demo's own CA signed: in
                production, give the proxy a certificate your browsers trust, server.tls)
  console:      ${proxy.config.server.publicUrl}/console/ (ada: admin, publish apps and write policy;
                hank: helpdesk, why is a device blocked; alice: her own devices)
  apps:         hello (HTTP page), echo (TCP echo), for alice, ada and ${DEMO_USER}

Demo users (add the TOTP secret to an authenticator app, or print the current code with
  node -e "import('otplib').then(async (o) => console.log(await o.generate({ secret: process.argv[1] })))" SECRET ):
${users.map((u) => `  ${u.username.padEnd(6)} ${u.groups.join(',').padEnd(18)} password ${u.password}   TOTP secret ${u.totpSecret}`).join('\n')}

In another terminal, from this folder:

  # 1. sign in as alice in your browser (password, then the TOTP code) and enrol this device;
  #    --no-browser prints the URL, --device-code suits a machine without a browser
  export ZEROGATE_HOME=${home}
  ./bin/zerogate.js login --proxy ${proxy.url} --ca-fingerprint ${proxy.pki.caFingerprint}

  #    or, on a headless server, enrol with the one-time token (valid 24 h, single use)
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
    users,
    instructions,
    close: async () => {
      await proxy.close();
      await apps.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
