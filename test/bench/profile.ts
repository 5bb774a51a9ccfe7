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
  startTime: number;
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

/** Reads a .cpuprofile (they are large: read each once and summarise it as often as needed). */
export function readProfile(file: string): CpuProfile & { file: string } {
  return { ...(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile), file };
}

/**
 * Self time per function and per location. With `windows` (CLOCK_MONOTONIC microseconds, the
 * clock V8 stamps samples with), only samples taken inside one of them count, so a summary can
 * cover exactly the measurements of one figure and leave out start-up (CA key generation, module
 * loading) and the other paths' turns.
 */
export function summarizeProfile(profile: CpuProfile & { file: string }, windows?: readonly { fromUs: number; toUs: number }[], topN = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (windows !== undefined && !windows.some((w) => at >= w.fromUs && at <= w.toUs)) return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  const file = profile.file;
  const fns = new Map<string, number>();
  const groups = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined || IDLE.has(frame.functionName)) continue;
    busy += us;
    const source = where(frame.url);
    // Line numbers are those of tsx's transpiled output: kept only to tell anonymous functions apart.
    const line = frame.functionName === '' && frame.lineNumber > 0 ? `:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName || '(anonymous)'} ${source}${line}`.trim();
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
      .map(([fn, us]) => ({ fn, ms: Math.round(us / 1000), share: busy > 0 ? Math.round((us / busy) * 1000) / 10 : 0 })),
    groups: ranked(groups)
      .slice(0, topN)
      .map(([g, us]) => ({ group: g, ms: Math.round(us / 1000), share: busy > 0 ? Math.round((us / busy) * 1000) / 10 : 0 })),
  };
}

/** Every .cpuprofile in `dir`. */
export function profilesIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

export function formatProfile(name: string, s: ProfileSummary, functions = 10): string {
  const groups = s.groups
    .slice(0, 8)
    .map((g) => `${g.group} ${g.share.toFixed(0)}%`)
    .join(', ');
  const lines = [`  ${name}: ${s.busyMs} ms on the main thread; by location: ${groups}`];
  for (const t of s.top.slice(0, functions)) lines.push(`    ${t.share.toFixed(1).padStart(5)}%  ${t.fn}`);
  return lines.join('\n');
}
