/**
 * The Helm chart (installers/proxy/helm/zerogate), checked without helm (not installed here):
 * Chart.yaml and values.yaml parse, every `.Values.x.y` a template reads exists (and every value
 * is read), the Deployment's hardening and probes are fixed in the template, and the config the
 * chart writes by default is one the proxy accepts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { parseConfig } from '../../proxy/config/index.ts';
import { ROOT } from '../helpers/processes.ts';

const CHART = join(ROOT, 'installers/proxy/helm/zerogate');
const chart = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>;
const templates = Object.fromEntries(readdirSync(join(CHART, 'templates')).map((f) => [f, readFileSync(join(CHART, 'templates', f), 'utf8')]));
const PACKAGE_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Values that are free-form maps or lists handed to toYaml whole. */
const OPAQUE = ['config', 'resources', 'podAnnotations', 'nodeSelector', 'tolerations', 'affinity', 'imagePullSecrets', 'service.annotations', 'service.loadBalancerSourceRanges'];

/**
 * A template without its template language: lines that are only `{{ ... }}` go, inline
 * expressions become the string "X". What is left is the YAML skeleton every rendering shares
 * (both branches of an if/else included), enough to check fixed fields structurally.
 */
function skeleton(text: string): unknown[] {
  const yaml = text
    .split('\n')
    .filter((l) => !/^\s*\{\{.*\}\}\s*$/.test(l))
    .map((l) => l.replace(/"?\{\{.*?\}\}"?/g, 'X'))
    .join('\n');
  return parseAllDocuments(yaml, { uniqueKeys: false }).map((d) => d.toJS());
}

function valuePaths(object: unknown, prefix = ''): string[] {
  if (OPAQUE.includes(prefix)) return [prefix];
  if (object === null || typeof object !== 'object' || Array.isArray(object)) return [prefix];
  return Object.entries(object).flatMap(([k, v]) => valuePaths(v, prefix === '' ? k : `${prefix}.${k}`));
}

function has(object: unknown, path: string): boolean {
  let node = object;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || !(key in node)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

type Obj = Record<string, any>;

describe('the Helm chart', () => {
  it('is a v2 chart deploying this version of the proxy', () => {
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'zerogate', type: 'application', appVersion: PACKAGE_VERSION });
    expect(String(chart.version)).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Object.keys(templates).sort()).toEqual(['NOTES.txt', '_helpers.tpl', 'configmap.yaml', 'deployment.yaml', 'pvc.yaml', 'service.yaml']);
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

  it('runs one non-root, read-only, capability-less replica with probes on /healthz and /readyz', () => {
    const [deployment] = skeleton(templates['deployment.yaml']!) as Obj[];
    expect(deployment!.kind).toBe('Deployment');
    expect(deployment!.spec.strategy).toEqual({ type: 'Recreate' });
    const pod = deployment!.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    for (const container of [...pod.containers, ...(pod.initContainers ?? [])] as Obj[]) {
      expect(container.securityContext, container.name).toEqual({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    }
    const [proxy] = pod.containers as Obj[];
    expect(proxy!.ports).toEqual([{ name: 'https', containerPort: 8443, protocol: 'TCP' }]);
    expect(proxy!.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'https', scheme: 'HTTPS' });
    expect(proxy!.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'https', scheme: 'HTTPS' });
    expect(proxy!.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'https', scheme: 'HTTPS' });
    expect(Object.fromEntries((proxy!.volumeMounts as Obj[]).map((m) => [m.mountPath, m.readOnly === true]))).toEqual({ '/etc/zerogate': true, '/var/lib/zerogate': false, '/tmp': false });
    // SQLite: more than one replica is refused at render time until the PostgreSQL store exists.
    expect(templates['deployment.yaml']).toMatch(/if gt \(int \.Values\.replicaCount\) 1 \}\}\n\{\{- fail /);
    expect(values.replicaCount).toBe(1);
  });

  it('exposes TCP 8443 from a Service whose type comes from values', () => {
    const [service] = skeleton(templates['service.yaml']!) as Obj[];
    expect(service!.kind).toBe('Service');
    expect(service!.spec.ports).toEqual([{ name: 'https', port: 'X', targetPort: 'https', protocol: 'TCP' }]);
    expect(templates['service.yaml']).toContain('type: {{ .Values.service.type }}');
    expect(values.service).toMatchObject({ type: 'ClusterIP', port: 8443 });
  });

  it('writes a default zerogate.yaml the proxy accepts, with the data dir in the volume', () => {
    expect(templates['_helpers.tpl']).toContain('dict "dataDir" "/var/lib/zerogate/data" "server" (dict "listen" "0.0.0.0:8443")');
    // The template's merge: the fixed keys win over the values' config.
    const user = values.config as Obj;
    const merged = { ...user, dataDir: '/var/lib/zerogate/data', server: { ...user.server, listen: '0.0.0.0:8443' } };
    const config = parseConfig(stringify(merged), 'values.yaml', '/etc/zerogate');
    expect(config.dataDir).toBe('/var/lib/zerogate/data');
    expect(config.server.listen).toMatchObject({ port: 8443 });
    expect(config.apps).toEqual([]);
  });

  it('keeps the data volume when the release is uninstalled (it holds the CA key)', () => {
    const [pvc] = skeleton(templates['pvc.yaml']!) as Obj[];
    expect(pvc!.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
    expect(templates['NOTES.txt']).toMatch(/Back up the data volume/);
  });
});
