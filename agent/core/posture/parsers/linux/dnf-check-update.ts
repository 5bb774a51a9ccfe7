/**
 * `dnf check-update` (also `yum check-update`, `dnf5 check-upgrade`): exit code 100 and one line
 * per pending update, `name.arch  [epoch:]version-release  repo`, columns padded; a long name
 * wraps the rest onto an indented next line. Around it: `Last metadata expiration check: ...`,
 * yum's `Loaded plugins:`, dnf5's `Updating and loading repositories:`, an `Obsoleting Packages`
 * section, `Error:` lines for a repository that failed.
 *
 * Every listed package counts in `pendingUpdates`. The listing does not say which are security
 * updates, so `pendingSecurityUpdates` is set only from the summary that `--security` prints
 * (`No security updates needed, but 3 updates available`; yum's `5 package(s) needed for
 * security, out of 12 available`); `detail.security` says which case applies. Output with no
 * sign that the command ran (empty, an error) leaves the counts unknown.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { clip, compact, errorLine, MAX_DETAIL_ENTRIES, toCount, toLines, unrecognised, words } from './text.ts';

const ARCHES = new Set(['x86_64', 'noarch', 'i686', 'i386', 'aarch64', 'ppc64le', 'ppc64', 's390x', 'armv7hl', 'riscv64', 'src']);
const RAN = /^(?:Last metadata expiration check|Loaded plugins|Updating and loading repositories|Repositories loaded|Updating Subscription Management repositories|Upgrades$)/;
const YUM_SECURITY = /^(\d+) package\(s\) needed for security, out of (\d+) available/;
const YUM_NO_SECURITY = /^No packages needed,? for security[;,] (\d+) (?:packages )?available/;
const DNF_NO_SECURITY = /^No security updates needed, but (\d+) updates? available|^No security updates needed, but (\d+) update\(s\) available/;
/** Binary packages built from the kernel source package. */
const KERNEL_PACKAGE = /^(?:kernel(?:-.*)?|perf|python3?-perf|bpftool)$/;

function packageName(token: string): string | undefined {
  const dot = token.lastIndexOf('.');
  return dot > 0 && ARCHES.has(token.slice(dot + 1)) ? token.slice(0, dot) : undefined;
}

function counts(security: number | undefined, available: number | undefined): { security: number; available: number } | undefined {
  return security === undefined || available === undefined ? undefined : { security, available };
}

function parse(text: string): ToolFacts {
  const lines = toLines(text);
  let ran = false;
  let obsoleting = false;
  let listed = 0;
  let obsoletes = 0;
  let pending: string[] | undefined;
  let summary: { security: number; available: number } | undefined;
  const names: string[] = [];
  const kernel: string[] = [];
  const ignored: string[] = [];

  const record = (parts: string[]): void => {
    const name = packageName(parts[0]!);
    if (name === undefined) return;
    if (obsoleting) {
      obsoletes++;
      return;
    }
    listed++;
    if (names.length < MAX_DETAIL_ENTRIES) names.push(clip(name));
    if (KERNEL_PACKAGE.test(name) && kernel.length < MAX_DETAIL_ENTRIES) kernel.push(clip(`${name} ${parts[1]!}`));
  };

  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const parts = words(trimmed);
    if (pending !== undefined && /^\s/.test(line)) {
      // The indented rest of a wrapped `name.arch` line.
      pending.push(...parts.slice(0, 3));
      if (pending.length >= 3) {
        record(pending);
        pending = undefined;
      }
      continue;
    }
    pending = undefined;
    const yum = YUM_SECURITY.exec(trimmed);
    const none = YUM_NO_SECURITY.exec(trimmed) ?? DNF_NO_SECURITY.exec(trimmed);
    if (RAN.test(trimmed)) ran = true;
    else if (/^Obsoleting Packages/i.test(trimmed)) obsoleting = true;
    else if (trimmed.startsWith('Ignoring repositories:')) ignored.push(clip(trimmed.slice(22).trim()));
    else if (yum !== null) summary = counts(toCount(yum[1]), toCount(yum[2])) ?? summary;
    else if (none !== null) summary = counts(0, toCount(none[1] ?? none[2])) ?? summary;
    else if (!/^\s/.test(line) && packageName(parts[0]!) !== undefined) {
      if (parts.length >= 3) record(parts);
      else pending = parts;
    }
  }

  const error = errorLine(lines.filter((l) => /^(?:Error|Failed)/.test(l.trim())));
  if (listed === 0 && summary === undefined && (!ran || error !== undefined)) return { detail: unrecognised(lines) };
  const facts: ToolFacts = {
    pendingUpdates: summary?.available ?? listed,
    detail: compact({
      security: summary === undefined
        ? 'not told apart: the listing has no security summary (run `dnf check-update --security` to count them)'
        : 'from the --security summary',
      packages: names.length > 0 ? names : undefined,
      kernelPackages: kernel.length > 0 ? kernel : undefined,
      obsoleting: obsoletes > 0 ? obsoletes : undefined,
      ignoredRepositories: ignored.length > 0 ? ignored : undefined,
      error,
      note: error !== undefined || ignored.length > 0 ? 'some repositories failed: counts may be incomplete' : undefined,
    }),
  };
  if (summary !== undefined) facts.pendingSecurityUpdates = summary.security;
  return facts;
}

export const dnfCheckUpdate: ToolParser = {
  id: 'dnf-check-update',
  platform: 'linux',
  command: 'dnf check-update',
  parse,
};
