/**
 * The proxy's container image (installers/proxy/Dockerfile, .dockerignore) checked statically
 * (no image is built here: no registry), and its health check run against a real proxy.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ROOT } from '../helpers/processes.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

const DOCKERFILE = readFileSync(join(ROOT, 'installers/proxy/Dockerfile'), 'utf8');
const HEALTHCHECK = join(ROOT, 'installers/proxy/healthcheck.mjs');

interface Instruction {
  op: string;
  args: string;
}

/** Instructions in order: comments dropped, `\` continuations joined. */
function instructions(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

/** What this project requires of its Dockerfile; returns the problems found. */
function lintDockerfile(text: string): string[] {
  const all = instructions(text);
  const problems: string[] = [];
  const froms = all.filter((i) => i.op === 'FROM');
  if (froms.length === 0) problems.push('no FROM');
  for (const from of froms) {
    const image = from.args.split(/\s+/)[0]!;
    if (!/^node:20-bookworm-slim(@sha256:[0-9a-f]{64})?$/.test(image)) problems.push(`base image ${image} is not node:20-bookworm-slim`);
  }
  for (const add of all.filter((i) => i.op === 'ADD')) problems.push(`ADD ${add.args}: use COPY (ADD fetches URLs and unpacks archives)`);
  // The final stage: everything after the last FROM.
  const lastFrom = all.lastIndexOf(froms.at(-1)!);
  const final = all.slice(lastFrom);
  const userIndex = final.findLastIndex((i) => i.op === 'USER');
  const entryIndex = final.findIndex((i) => i.op === 'ENTRYPOINT');
  const user = final[userIndex]?.args.split(':')[0];
  if (user === undefined) problems.push('no USER in the final stage');
  else if (!/^[1-9]\d*$/.test(user)) problems.push(`USER ${user}: a numeric non-root uid lets Kubernetes check runAsNonRoot`);
  if (entryIndex === -1) problems.push('no ENTRYPOINT');
  else if (userIndex > entryIndex) problems.push('USER comes after ENTRYPOINT');
  if (entryIndex !== -1 && !final[entryIndex]!.args.startsWith('[')) problems.push('ENTRYPOINT is not in exec form (signals would go to a shell)');
  if (!final.some((i) => i.op === 'HEALTHCHECK' && /CMD\s*\[\s*"node"/.test(i.args))) problems.push('no HEALTHCHECK run by node');
  if (!final.some((i) => i.op === 'EXPOSE' && i.args.split(/\s+/).includes('8443'))) problems.push('8443 is not exposed');
  if (!final.some((i) => i.op === 'VOLUME' && i.args.includes('/var/lib/zerogate'))) problems.push('the data dir is not a volume');
  if (all.some((i) => i.op === 'RUN' && /\bnpm (install|i)\b/.test(i.args))) problems.push('npm install: use npm ci (the lockfile decides)');
  if (final.some((i) => i.op === 'COPY' && /^\.\s/.test(i.args))) problems.push('the final stage copies the whole build context');
  return problems;
}

describe('the proxy Dockerfile', () => {
  it('passes the project lint: pinned slim Node 20 base, non-root numeric USER before ENTRYPOINT, HEALTHCHECK, no ADD', () => {
    expect(lintDockerfile(DOCKERFILE)).toEqual([]);
  });

  it('the lint catches what it is meant to', () => {
    const bad = DOCKERFILE.replace(/FROM node:20-bookworm-slim$/m, 'FROM node:latest')
      .replace('USER 10001:10001', 'USER root')
      .replace(/^HEALTHCHECK[\s\S]*?\n(?=#|ENTRYPOINT)/m, '')
      .replace('COPY tsconfig.json ./', 'ADD https://example.com/x.tar.gz ./');
    expect(lintDockerfile(bad)).toEqual([
      'base image node:latest is not node:20-bookworm-slim',
      'ADD https://example.com/x.tar.gz ./: use COPY (ADD fetches URLs and unpacks archives)',
      'USER root: a numeric non-root uid lets Kubernetes check runAsNonRoot',
      'no HEALTHCHECK run by node',
    ]);
    const late = DOCKERFILE.replace('USER 10001:10001\n', '') + 'USER 10001\n';
    expect(lintDockerfile(late)).toEqual(['USER comes after ENTRYPOINT']);
  });

  it('serves by default with the config in /etc/zerogate, and keeps install scripts to package.json allowScripts', () => {
    const all = instructions(DOCKERFILE);
    expect(all.find((i) => i.op === 'ENTRYPOINT')?.args).toBe('["zerogate-proxy"]');
    expect(JSON.parse(all.find((i) => i.op === 'CMD')!.args)).toEqual(['serve', '--config', '/etc/zerogate/zerogate.yaml']);
    const install = all.find((i) => i.op === 'RUN' && i.args.includes('npm ci'))!.args;
    expect(install).toContain('npm ci --ignore-scripts');
    expect(install).toMatch(/npm rebuild \$\(node -p .*allowScripts/);
    // The native store module the proxy cannot run without is among those allowed.
    const { allowScripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
    expect(allowScripts?.['better-sqlite3']).toBe(true);
  });

  it('copies only sources that exist and that .dockerignore lets into the build context', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    expect(ignore[0]).toBe('**');
    const admitted = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1));
    const sources = instructions(DOCKERFILE)
      .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from='))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
      expect(admitted.some((a) => source === a || source.startsWith(`${a}/`)), `${source} is not admitted by .dockerignore`).toBe(true);
    }
    // Secrets and host builds stay out, even inside admitted folders.
    for (const pattern of ['**/zerogate-data', '**/*.key', '**/node_modules', '**/*.db']) expect(ignore).toContain(pattern);
  });
});

describe('the container health check', () => {
  let stack: Stack;
  const run = (url: string) =>
    promisify(execFile)(process.execPath, [HEALTHCHECK, url], { encoding: 'utf8' }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('exits 0 against a running proxy', async () => {
    expect(await run(`${stack.proxy.url}/healthz`)).toEqual({ code: 0, stderr: '' });
  });

  it('exits 1 with the reason when nothing listens, or the answer is not healthy', async () => {
    const closed = await run(`https://127.0.0.1:${await freePort()}/healthz`);
    expect(closed.code).toBe(1);
    expect(closed.stderr).toMatch(/^unhealthy: .*ECONNREFUSED/);
    const notFound = await run(`${stack.proxy.url}/no-such-path`);
    expect(notFound).toEqual({ code: 1, stderr: 'unhealthy: HTTP 404\n' });
    expect(await run('http://127.0.0.1:1/healthz')).toEqual({ code: 1, stderr: 'unhealthy: http: is not https:\n' });
  });
});
