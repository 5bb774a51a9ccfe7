/**
 * The Helm chart (installers/proxy/helm/zerogate), checked without helm (not installed here):
 * Chart.yaml and values.yaml parse, every `.Values.x.y` a template reads exists (and every value
 * is read), and the templates are rendered per mode (SQLite, one PostgreSQL pod, several shared
 * pods) by a small evaluator of their line-level `if`/`else`/`with` blocks, whose every condition
 * must be one this file knows: the guards refuse what they must, and each mode gets the right
 * strategy, volumes and init container. The init container's script (files/prepare.sh) is run for
 * real with /bin/sh, and the config it writes is parsed by the proxy's parseConfig.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { parseConfig } from '../../proxy/config/index.ts';
import { SHARED_KEY_FILES } from '../../proxy/server/cluster.ts';
import { ROOT } from '../helpers/processes.ts';

const run = promisify(execFile);
const CHART = join(ROOT, 'installers/proxy/helm/zerogate');
const chart = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
const VALUES_TEXT = readFileSync(join(CHART, 'values.yaml'), 'utf8');
const values = parse(VALUES_TEXT) as Record<string, unknown>;
const templates = Object.fromEntries(readdirSync(join(CHART, 'templates')).map((f) => [f, readFileSync(join(CHART, 'templates', f), 'utf8')]));
const PREPARE = join(CHART, 'files/prepare.sh');
const PACKAGE_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const INSTALL_DOC = readFileSync(join(ROOT, 'docs/install-proxy.md'), 'utf8');

/** Values that are free-form maps or lists handed to toYaml whole. */
const OPAQUE = ['config', 'resources', 'podAnnotations', 'nodeSelector', 'tolerations', 'affinity', 'topologySpreadConstraints', 'imagePullSecrets', 'service.annotations', 'service.loadBalancerSourceRanges'];

type Obj = Record<string, any>;

function get(object: unknown, path: string): unknown {
  let node = object;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || !(key in node)) return undefined;
    node = (node as Obj)[key];
  }
  return node;
}

function has(object: unknown, path: string): boolean {
  let node = object;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || !(key in node)) return false;
    node = (node as Obj)[key];
  }
  return true;
}

function valuePaths(object: unknown, prefix = ''): string[] {
  if (OPAQUE.includes(prefix)) return [prefix];
  if (object === null || typeof object !== 'object' || Array.isArray(object)) return [prefix];
  return Object.entries(object).flatMap(([k, v]) => valuePaths(v, prefix === '' ? k : `${prefix}.${k}`));
}

/** Go templates' truthiness: empty strings, zero, empty maps and lists are false. */
function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** What the helpers compute ($shared, $keysSecret), as _helpers.tpl defines them (checked below). */
function shared(v: Obj): boolean {
  return truthy(v.store.existingSecret) && truthy(v.keys.existingSecret);
}
function keysSecret(v: Obj): string {
  return v.keys.existingSecret || v.caSecret;
}

/**
 * Every condition of a line-level `if` in the templates, and what it means. A template gaining a
 * condition this table lacks fails the test: the new branch must be given a meaning here.
 */
const CONDITIONS: Record<string, (v: Obj) => boolean> = {
  'and (gt (int .Values.replicaCount) 1) (not .Values.store.existingSecret)': (v) => v.replicaCount > 1 && !truthy(v.store.existingSecret),
  'and (gt (int .Values.replicaCount) 1) (not .Values.keys.existingSecret)': (v) => v.replicaCount > 1 && !truthy(v.keys.existingSecret),
  'hasKey (.Values.config | default dict) "store"': (v) => 'store' in (v.config ?? {}),
  'and .Values.caSecret .Values.keys.existingSecret': (v) => truthy(v.caSecret) && truthy(v.keys.existingSecret),
  '$shared': shared,
  '$keysSecret': (v) => truthy(keysSecret(v)),
  'or $keysSecret .Values.store.existingSecret': (v) => truthy(keysSecret(v)) || truthy(v.store.existingSecret),
  '.Values.store.existingSecret': (v) => truthy(v.store.existingSecret),
  '.Values.persistence.enabled': (v) => truthy(v.persistence.enabled),
  'not .Values.existingConfigSecret': (v) => !truthy(v.existingConfigSecret),
  'gt (int .Values.replicaCount) 1': (v) => v.replicaCount > 1,
  'and .Values.persistence.enabled (not .Values.persistence.existingClaim) (not (include "zerogate.shared" .))': (v) =>
    truthy(v.persistence.enabled) && !truthy(v.persistence.existingClaim) && !shared(v),
  '.Values.persistence.storageClass': (v) => truthy(v.persistence.storageClass),
  'ne .Values.service.type "ClusterIP"': (v) => v.service.type !== 'ClusterIP',
  'and (eq .Values.service.type "LoadBalancer") .Values.service.loadBalancerSourceRanges': (v) =>
    v.service.type === 'LoadBalancer' && truthy(v.service.loadBalancerSourceRanges),
};

interface Rendered {
  /** Messages of the `fail` calls reached. */
  fails: string[];
  docs: Obj[];
}

/**
 * Renders a template's structure for `v`: line-level if / else if / else / with / end are
 * evaluated (conditions from CONDITIONS, `with .Values.x` on x's truthiness), `fail` is
 * recorded, a line-level `... | nindent N` becomes `x-included: X` at that indent, and other
 * inline expressions become X.
 */
function render(text: string, v: Obj): Rendered {
  const fails: string[] = [];
  const out: string[] = [];
  const stack: { active: boolean; taken: boolean }[] = [];
  const active = (): boolean => stack.every((s) => s.active);
  const evaluate = (condition: string): boolean => {
    const known = CONDITIONS[condition];
    if (known === undefined) throw new Error(`unknown template condition: ${condition}`);
    return known(v);
  };
  for (const line of text.split('\n')) {
    const directive = /^\s*\{\{-?\s*(if|else if|else|with|range|end)\b\s*(.*?)\s*-?\}\}\s*$/.exec(line);
    if (directive !== null) {
      const [, word, rest] = directive as unknown as [string, string, string];
      if (word === 'if') {
        const ok = active() && evaluate(rest);
        stack.push({ active: ok, taken: ok });
      } else if (word === 'with') {
        const path = /^\.Values\.([\w.]+)$/.exec(rest);
        if (path === null) throw new Error(`unknown with: ${rest}`);
        const ok = truthy(get(v, path[1]!));
        stack.push({ active: ok, taken: ok });
      } else if (word === 'range') {
        throw new Error('range is not evaluated here');
      } else if (word === 'else if' || word === 'else') {
        const top = stack.at(-1)!;
        const ok = !top.taken && (word === 'else' || evaluate(rest));
        top.active = ok;
        top.taken ||= ok;
      } else {
        stack.pop();
      }
      continue;
    }
    if (!active()) continue;
    const fail = /^\s*\{\{-?\s*fail "(.*)"\s*-?\}\}\s*$/.exec(line);
    if (fail !== null) {
      fails.push(fail[1]!);
      continue;
    }
    if (/^\s*\{\{-?\s*\$\w+ := .*\}\}\s*$/.test(line)) continue;
    const included = /^\s*\{\{-?.*\|\s*nindent (\d+)\s*-?\}\}\s*$/.exec(line);
    if (included !== null) {
      out.push(`${' '.repeat(Number(included[1]))}x-included: X`);
      continue;
    }
    out.push(line.replace(/"?\{\{.*?\}\}"?/g, 'X'));
  }
  expect(stack, 'unbalanced if/end').toEqual([]);
  // Kubernetes reads YAML 1.1: `0400` is octal there.
  const docs = parseAllDocuments(out.join('\n'), { version: '1.1' })
    .map((d) => d.toJS() as Obj | null)
    .filter((d): d is Obj => d !== null);
  return { fails, docs };
}

function valuesWith(overrides: Obj): Obj {
  const v = structuredClone(values) as Obj;
  for (const [path, value] of Object.entries(overrides)) {
    const keys = path.split('.');
    let node = v;
    for (const key of keys.slice(0, -1)) node = node[key] ??= {};
    node[keys.at(-1)!] = value;
  }
  return v;
}

const MODES = {
  sqlite: {},
  sqliteWithKeys: { 'keys.existingSecret': 'zerogate-keys' },
  postgresOnePod: { 'store.existingSecret': 'zerogate-store' },
  shared: { replicaCount: 3, 'store.existingSecret': 'zerogate-store', 'keys.existingSecret': 'zerogate-keys' },
} as const;

function deployment(overrides: Obj): { deployment: Obj; fails: string[] } {
  const { docs, fails } = render(templates['deployment.yaml']!, valuesWith(overrides));
  return { deployment: docs[0]!, fails };
}

const byName = (list: Obj[] | undefined): Record<string, Obj> => Object.fromEntries((list ?? []).map((x) => [x.name, x]));

describe('the Helm chart', () => {
  it('is a v2 chart deploying this version of the proxy', () => {
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'zerogate', type: 'application', appVersion: PACKAGE_VERSION });
    expect(String(chart.version)).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Object.keys(templates).sort()).toEqual(['NOTES.txt', '_helpers.tpl', 'configmap.yaml', 'deployment.yaml', 'pdb.yaml', 'pvc.yaml', 'service.yaml']);
  });

  it('reads only values that exist in values.yaml, and every value is read', () => {
    const text = Object.values(templates).join('\n');
    const used = new Set([...text.matchAll(/\.Values\.([A-Za-z0-9_.]+)/g)].map((m) => m[1]!.replace(/\.$/, '')));
    for (const path of used) expect(has(values, path), `.Values.${path} is not in values.yaml`).toBe(true);
    for (const path of valuePaths(values)) {
      const read = [...used].some((u) => u === path || path.startsWith(`${u}.`));
      expect(read, `${path} in values.yaml is not used by any template`).toBe(true);
    }
  });

  it('documents every key of several nodes in values.yaml, with one pod and SQLite by default', () => {
    const lines = VALUES_TEXT.split('\n');
    const commentAbove = (key: string, indent: number): string => {
      const at = lines.findIndex((l) => l === `${' '.repeat(indent)}${key}:` || l.startsWith(`${' '.repeat(indent)}${key}: `));
      expect(at, `${key} in values.yaml`).toBeGreaterThan(0);
      const comment: string[] = [];
      for (let i = at - 1; i >= 0 && /^\s*#/.test(lines[i]!); i--) comment.unshift(lines[i]!);
      expect(comment.length, `a comment above ${key}`).toBeGreaterThan(0);
      return comment.join('\n');
    };
    expect(commentAbove('replicaCount', 0)).toMatch(/store\.existingSecret[\s\S]*keys\.existingSecret/);
    expect(commentAbove('existingSecret', 2)).toMatch(/PostgreSQL URL with its password[\s\S]*never in the ConfigMap/);
    expect(commentAbove('urlKey', 2)).toMatch(/key holding the URL/);
    for (const file of SHARED_KEY_FILES) expect(commentAbove('keys', 0)).toContain(file);
    expect(commentAbove('keys', 0)).toMatch(/Required with replicaCount > 1/);
    expect(commentAbove('podDisruptionBudget', 0)).toMatch(/replicaCount > 1/);
    expect(commentAbove('service', 0)).toMatch(/idle timeout above 60 seconds[\s\S]*\/readyz/);
    expect(values).toMatchObject({ replicaCount: 1, store: { existingSecret: '', urlKey: 'url' }, keys: { existingSecret: '' }, caSecret: '', podDisruptionBudget: { maxUnavailable: 1 } });
  });

  it('knows every condition the templates branch on', () => {
    for (const [name, text] of Object.entries(templates)) {
      if (name.endsWith('.tpl') || name.endsWith('.txt')) continue;
      expect(() => render(text, valuesWith(MODES.shared)), name).not.toThrow();
      expect(() => render(text, valuesWith(MODES.sqlite)), name).not.toThrow();
    }
    expect(templates['_helpers.tpl']).toContain('{{- if and .Values.store.existingSecret .Values.keys.existingSecret -}}true{{- end -}}');
    expect(templates['_helpers.tpl']).toContain('{{- .Values.keys.existingSecret | default .Values.caSecret -}}');
  });

  it('refuses several pods on SQLite, several pods without the shared keys, and a password in the ConfigMap', () => {
    // helm stops at the first fail: that one is the message the operator sees.
    expect(deployment({ replicaCount: 2 }).fails[0]).toMatch(/^replicaCount > 1 needs the PostgreSQL store: set store\.existingSecret.*SQLite.*keep replicaCount at 1/);
    expect(deployment({ replicaCount: 3, 'store.existingSecret': 's' }).fails).toEqual([expect.stringMatching(/^replicaCount > 1 needs keys\.existingSecret: every pod must have the same/)]);
    expect(deployment({ replicaCount: 3, 'keys.existingSecret': 'k' }).fails).toEqual([expect.stringContaining('needs the PostgreSQL store')]);
    expect(deployment({ 'config.store': { url: 'postgresql://zg:pw@db/zg' } }).fails).toEqual([expect.stringContaining('would put the PostgreSQL password in a ConfigMap')]);
    expect(deployment({ caSecret: 'ca', 'keys.existingSecret': 'k' }).fails).toEqual([expect.stringContaining('caSecret and keys.existingSecret are both set')]);
    for (const mode of Object.values(MODES)) expect(deployment(mode).fails).toEqual([]);
    expect(deployment({ replicaCount: 1 }).fails).toEqual([]);
  });

  it('runs non-root, read-only, capability-less containers with probes on /healthz and /readyz in every mode', () => {
    for (const mode of Object.values(MODES)) {
      const { deployment: d } = deployment(mode);
      expect(d.kind).toBe('Deployment');
      const pod = d.spec.template.spec;
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      for (const container of [...pod.containers, ...(pod.initContainers ?? [])] as Obj[]) {
        expect(container.securityContext, container.name).toEqual({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      }
      const [proxy] = pod.containers as Obj[];
      expect(proxy!.ports).toEqual([{ name: 'https', containerPort: 8443, protocol: 'TCP' }]);
      expect(proxy!.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'https', scheme: 'HTTPS' });
      // The Service sends connections only to pods /readyz calls ready (the store reachable).
      expect(proxy!.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'https', scheme: 'HTTPS' });
      expect(proxy!.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'https', scheme: 'HTTPS' });
      expect(Object.fromEntries((proxy!.volumeMounts as Obj[]).map((m) => [m.mountPath, m.readOnly === true]))).toEqual({ '/etc/zerogate': true, '/var/lib/zerogate': false, '/tmp': false });
    }
  });

  it('SQLite: one pod, replaced with Recreate, data on the claim, no init container unless a CA or keys are seeded', () => {
    const { deployment: d } = deployment(MODES.sqlite);
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    const pod = d.spec.template.spec;
    expect(pod.initContainers).toBeUndefined();
    const volumes = byName(pod.volumes);
    expect(Object.keys(volumes).sort()).toEqual(['config', 'data', 'tmp']);
    expect(volumes.data).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'X' } });
    expect(volumes.config).toEqual({ name: 'config', 'x-included': 'X' }); // the ConfigMap or existingConfigSecret

    const seeded = deployment(MODES.sqliteWithKeys).deployment.spec.template.spec;
    expect(seeded.volumes.find((x: Obj) => x.name === 'data')).toHaveProperty('persistentVolumeClaim');
    const [prepare] = seeded.initContainers as Obj[];
    expect(Object.keys(byName(prepare!.env)).sort()).toEqual(['ZG_DATA_DIR', 'ZG_KEYS_DIR', 'ZG_KEY_FILES', 'ZG_REQUIRED_KEYS']);
    expect(byName(seeded.volumes).keys).toEqual({ name: 'keys', secret: { secretName: 'X', defaultMode: 0o400 } });
    expect(deployment({ caSecret: 'zerogate-ca' }).deployment.spec.template.spec.initContainers).toHaveLength(1);
  });

  it('PostgreSQL on one pod without shared keys: the CA stays on the claim, so Recreate; store.url comes from its Secret', () => {
    const pod = deployment(MODES.postgresOnePod).deployment;
    expect(pod.spec.strategy).toEqual({ type: 'Recreate' });
    const spec = pod.spec.template.spec;
    expect(byName(spec.volumes).data).toHaveProperty('persistentVolumeClaim');
    const [prepare] = spec.initContainers as Obj[];
    expect(Object.keys(byName(prepare!.env)).sort()).toEqual(['ZG_CONFIG_OUT', 'ZG_CONFIG_SOURCE', 'ZG_DATA_DIR', 'ZG_STORE_URL_FILE']);
  });

  it('several pods on PostgreSQL: rolling, emptyDir data, keys and store URL from Secrets, config in memory', () => {
    const { deployment: d } = deployment(MODES.shared);
    expect(d.spec.replicas).toBe('X');
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    const pod = d.spec.template.spec;
    const volumes = byName(pod.volumes);
    expect(volumes.data).toEqual({ name: 'data', emptyDir: {} });
    expect(volumes.config).toEqual({ name: 'config', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } });
    expect(volumes['config-source']).toEqual({ name: 'config-source', 'x-included': 'X' });
    expect(volumes.keys).toEqual({ name: 'keys', secret: { secretName: 'X', defaultMode: 0o400 } });
    expect(volumes['store-url']).toEqual({ name: 'store-url', secret: { secretName: 'X', defaultMode: 0o400, items: [{ key: 'X', path: 'url' }] } });
    const [prepare] = pod.initContainers as Obj[];
    expect(prepare!.name).toBe('prepare');
    expect(prepare!.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(templates['deployment.yaml']).toMatch(/- \|\n {14}\{\{- \.Files\.Get "files\/prepare\.sh" \| nindent 14 \}\}/);
    expect(Object.fromEntries((prepare!.volumeMounts as Obj[]).map((m) => [m.name, [m.mountPath, m.readOnly === true]]))).toEqual({
      data: ['/var/lib/zerogate', false],
      keys: ['/run/zerogate/keys', true],
      config: ['/etc/zerogate', false],
      'config-source': ['/run/zerogate/config', true],
      'store-url': ['/run/zerogate/store', true],
    });
    const env = Object.fromEntries((prepare!.env as Obj[]).map((e) => [e.name, e.value]));
    expect(env).toEqual({
      ZG_DATA_DIR: '/var/lib/zerogate/data',
      ZG_KEYS_DIR: '/run/zerogate/keys',
      ZG_KEY_FILES: SHARED_KEY_FILES.join(' '),
      ZG_REQUIRED_KEYS: 'X',
      ZG_STORE_URL_FILE: '/run/zerogate/store/url',
      ZG_CONFIG_SOURCE: '/run/zerogate/config/zerogate.yaml',
      ZG_CONFIG_OUT: '/etc/zerogate/zerogate.yaml',
    });
    // Required in a shared pod: what every proxy creates, and the embedded IdP's two when used.
    expect(templates['_helpers.tpl']).toContain('ca.pem ca.key session-signing-key.json console-cookie-key assertion-signing-key.json\n');
    expect(templates['_helpers.tpl']).toContain('(not (dig "identity" "oidc" "" (.Values.config | default dict))) }} idp-keys.json console-client-secret{{ end }}');
  });

  it('has a PodDisruptionBudget and no claim only with several pods or shared keys', () => {
    expect(render(templates['pdb.yaml']!, valuesWith(MODES.sqlite)).docs).toEqual([]);
    const [pdb] = render(templates['pdb.yaml']!, valuesWith(MODES.shared)).docs;
    expect(pdb).toMatchObject({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', spec: { maxUnavailable: 'X', selector: { matchLabels: { 'x-included': 'X' } } } });
    expect(render(templates['pvc.yaml']!, valuesWith(MODES.shared)).docs).toEqual([]);
    expect(render(templates['pvc.yaml']!, valuesWith(MODES.postgresOnePod)).docs).toHaveLength(1);
    const [pvc] = render(templates['pvc.yaml']!, valuesWith(MODES.sqlite)).docs;
    expect(pvc!.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
    expect(templates['NOTES.txt']).toMatch(/Back up the data volume/);
    expect(templates['NOTES.txt']).toMatch(/Back up the PostgreSQL database/);
  });

  it('exposes TCP 8443 from a Service without affinity that publishes only ready pods', () => {
    for (const mode of [MODES.sqlite, MODES.shared]) {
      const [service] = render(templates['service.yaml']!, valuesWith(mode)).docs;
      expect(service!.kind).toBe('Service');
      expect(service!.spec).toMatchObject({ type: 'X', sessionAffinity: 'None', publishNotReadyAddresses: false });
      expect(service!.spec.ports).toEqual([{ name: 'https', port: 'X', targetPort: 'https', protocol: 'TCP' }]);
    }
    expect(templates['service.yaml']).toContain('type: {{ .Values.service.type }}');
    expect(values.service).toMatchObject({ type: 'ClusterIP', port: 8443 });
  });

  it('writes a default zerogate.yaml the proxy accepts, with the data dir in the volume', () => {
    expect(templates['_helpers.tpl']).toContain('dict "dataDir" "/var/lib/zerogate/data" "server" (dict "listen" "0.0.0.0:8443")');
    const config = parseConfig(stringify(chartConfig()), 'values.yaml', '/etc/zerogate');
    expect(config.dataDir).toBe('/var/lib/zerogate/data');
    expect(config.server.listen).toMatchObject({ port: 8443 });
    expect(config.store.url).toBeUndefined();
    expect(config.apps).toEqual([]);
  });
});

/** The template's merge: the fixed keys win over the values' config. */
function chartConfig(): Obj {
  const user = values.config as Obj;
  return { ...user, dataDir: '/var/lib/zerogate/data', server: { ...user.server, listen: '0.0.0.0:8443' } };
}

describe('the init container script (files/prepare.sh)', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
    root = undefined;
  });

  /** A pod's paths under a temporary root, with the Deployment's variables pointing there. */
  function pod(options: { keys?: Record<string, string>; url?: string; config?: string; required?: string }) {
    root = mkdtempSync(join(tmpdir(), 'zg-helm-prepare-'));
    const dir = (p: string): string => {
      mkdirSync(join(root!, p), { recursive: true });
      return join(root!, p);
    };
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', ZG_DATA_DIR: join(root, 'var/lib/zerogate/data') };
    if (options.keys !== undefined) {
      const keys = dir('run/zerogate/keys');
      for (const [name, content] of Object.entries(options.keys)) writeFileSync(join(keys, name), content, { mode: 0o400 });
      Object.assign(env, { ZG_KEYS_DIR: keys, ZG_KEY_FILES: SHARED_KEY_FILES.join(' '), ZG_REQUIRED_KEYS: options.required ?? '' });
    }
    if (options.url !== undefined) {
      writeFileSync(join(dir('run/zerogate/store'), 'url'), options.url, { mode: 0o400 });
      writeFileSync(join(dir('run/zerogate/config'), 'zerogate.yaml'), options.config ?? stringify(chartConfig()));
      dir('etc/zerogate');
      Object.assign(env, {
        ZG_STORE_URL_FILE: join(root, 'run/zerogate/store/url'),
        ZG_CONFIG_SOURCE: join(root, 'run/zerogate/config/zerogate.yaml'),
        ZG_CONFIG_OUT: join(root, 'etc/zerogate/zerogate.yaml'),
      });
    }
    const exec = () =>
      run('/bin/sh', ['-c', readFileSync(PREPARE, 'utf8')], { env }).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      );
    return { env, exec, data: env.ZG_DATA_DIR!, out: join(root, 'etc/zerogate/zerogate.yaml') };
  }

  const KEYS = Object.fromEntries(SHARED_KEY_FILES.map((f) => [f, `content of ${f}\n`]));
  const REQUIRED_SHARED = 'ca.pem ca.key session-signing-key.json console-cookie-key assertion-signing-key.json idp-keys.json console-client-secret';

  it('reads exactly the variables the Deployment sets', () => {
    const script = readFileSync(PREPARE, 'utf8');
    const read = new Set([...script.matchAll(/\$\{?(ZG_[A-Z_]+)/g)].map((m) => m[1]));
    const set = new Set([...templates['deployment.yaml']!.matchAll(/- name: (ZG_[A-Z_]+)/g)].map((m) => m[1]));
    expect([...read].sort()).toEqual([...set].sort());
  });

  it('copies every shared key file into a new 0700 data dir as 0600 files, and writes store.url into the config', async () => {
    // A password with the characters YAML and the shell care about, and the trailing newline
    // `kubectl create secret --from-file` keeps.
    const url = 'postgresql://zerogate:p%40ss"w\\rd$HOME@db.internal:5432/zerogate?sslmode=verify-full';
    const p = pod({ keys: KEYS, url: `${url}\n`, required: REQUIRED_SHARED });
    const result = await p.exec();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(statSync(p.data).mode & 0o777).toBe(0o700);
    for (const file of SHARED_KEY_FILES) {
      expect(readFileSync(join(p.data, file), 'utf8')).toBe(KEYS[file]);
      expect(statSync(join(p.data, file)).mode & 0o777, file).toBe(0o600);
    }
    expect(statSync(p.out).mode & 0o777).toBe(0o600);
    const config = parseConfig(readFileSync(p.out, 'utf8'), 'zerogate.yaml', '/etc/zerogate');
    expect(config.store.url).toBe(url);
    expect(config.dataDir).toBe('/var/lib/zerogate/data');
    expect(config.server.listen).toMatchObject({ port: 8443 });
    expect(result.stdout).not.toContain('p%40ss');
  });

  it('refuses to start a shared pod whose keys Secret lacks a file it needs', async () => {
    const { 'session-signing-key.json': _, ...partial } = KEYS;
    const p = pod({ keys: partial, required: REQUIRED_SHARED });
    const result = await p.exec();
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('session-signing-key.json is missing from the keys secret');
  });

  it('never replaces a key file already in the data dir (a volume keeps its CA)', async () => {
    const p = pod({ keys: KEYS, required: 'ca.pem ca.key' });
    mkdirSync(p.data, { recursive: true, mode: 0o700 });
    writeFileSync(join(p.data, 'ca.key'), 'the volume CA key\n', { mode: 0o600 });
    expect((await p.exec()).code).toBe(0);
    expect(readFileSync(join(p.data, 'ca.key'), 'utf8')).toBe('the volume CA key\n');
    expect(readFileSync(join(p.data, 'ca.pem'), 'utf8')).toBe(KEYS['ca.pem']);
  });

  it('refuses a URL of several lines, an empty one, and a config with its own store key', async () => {
    for (const url of ['postgresql://a@db/zg\npostgresql://b@db/zg', '\n']) {
      const result = await pod({ url }).exec();
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('must hold one line');
      rmSync(root!, { recursive: true, force: true });
    }
    const result = await pod({ url: 'postgresql://zg@db/zg', config: 'dataDir: /var/lib/zerogate/data\nstore:\n  url: postgresql://other@db/zg\n' }).exec();
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('already has a store key');
  });
});

describe('docs/install-proxy.md', () => {
  it('documents several nodes for systemd, containers and Helm, with every shared key file', () => {
    expect(INSTALL_DOC).not.toMatch(/does not have yet|refuses `replicaCount` above 1, and/);
    for (const heading of ['### Several nodes with systemd', '### Several nodes with containers', '### Several nodes on Kubernetes']) expect(INSTALL_DOC).toContain(heading);
    expect(INSTALL_DOC).toContain('scale-out.md');
    expect(INSTALL_DOC).toMatch(/mode tcp[\s\S]*option httpchk GET \/readyz[\s\S]*check-ssl/);
    const secret = /kubectl -n zerogate create secret generic zerogate-keys[^`]*/.exec(INSTALL_DOC)?.[0] ?? '';
    for (const file of SHARED_KEY_FILES) expect(secret, file).toContain(file);
    expect(INSTALL_DOC).toMatch(/replicaCount: 3[\s\S]*existingSecret: zerogate-store[\s\S]*existingSecret: zerogate-keys/);
  });
});
