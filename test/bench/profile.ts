/**
 * `--profile`: the proxy and agent run with `node --cpu-prof`, and V8 writes a .cpuprofile for
 * each when it exits. This reads them and lists where the CPU time went: self time per function
 * (idle excluded), and the same time grouped by where the code lives (our layers, ws, Node's
 * streams and net internals, GC). Open the files in Chrome DevTools or speedscope for the tree.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  busyMs: number;
  top: { fn: string; ms: number; share: number }[];
  groups: { group: string; ms: number; share: number }[];
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const IDLE = new Set(['(idle)', '(program)']);

function where(url: string): string {
  if (url === '') return '';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  return path.startsWith(REPO) ? relative(REPO, path) : path;
}

function group(fn: string, url: string): string {
  if (fn === '(garbage collector)') return 'GC';
  const file = where(url);
  if (file.startsWith('node_modules/')) return `node_modules/${file.split('/')[1] ?? ''}`;
  if (file.startsWith('node:')) return `node:${file.slice(5).split('/')[0]}`;
  if (file === '') return fn.startsWith('(') ? fn : 'native';
  const [top, second] = file.split('/');
  return second === undefined ? top ?? file : `${top}/${second}`;
}

export function summarizeProfile(file: string, topN = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const fns = new Map<string, number>();
  const groups = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined || IDLE.has(frame.functionName)) continue;
    busy += us;
    const file = where(frame.url);
    const key = `${frame.functionName || '(anonymous)'} ${file === '' ? '' : `${file}:${frame.lineNumber + 1}`}`.trim();
    fns.set(key, (fns.get(key) ?? 0) + us);
    const g = group(frame.functionName, frame.url);
    groups.set(g, (groups.get(g) ?? 0) + us);
  }
  const ranked = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return {
    file,
    busyMs: Math.round(busy / 1000),
    top: ranked(fns)
      .slice(0, topN)
      .map(([fn, us]) => ({ fn, ms: Math.round(us / 1000), share: Math.round((us / busy) * 1000) / 10 })),
    groups: ranked(groups)
      .slice(0, topN)
      .map(([g, us]) => ({ group: g, ms: Math.round(us / 1000), share: Math.round((us / busy) * 1000) / 10 })),
  };
}

/** Every .cpuprofile in `dir` whose name starts with `prefix`. */
export function profilesIn(dir: string, prefix: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.startsWith(prefix) && f.endsWith('.cpuprofile'))
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

export function formatProfile(name: string, s: ProfileSummary): string {
  const lines = [`${name}: ${s.busyMs} ms of CPU sampled (${s.file})`, '  by location:'];
  for (const g of s.groups.slice(0, 10)) lines.push(`    ${g.share.toFixed(1).padStart(5)}%  ${g.group}`);
  lines.push('  by function (self time):');
  for (const t of s.top) lines.push(`    ${t.share.toFixed(1).padStart(5)}%  ${t.fn}`);
  return lines.join('\n');
}
