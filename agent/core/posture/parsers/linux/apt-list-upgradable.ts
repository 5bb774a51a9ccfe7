/**
 * `apt list --upgradable`: `Listing...` (translated: `Auflistung…`, `En train de lister…`), then
 * one line per package, `name/suite[,suite...] version arch [upgradable from: old]` (the bracket
 * text is translated too). apt warns on stderr that its CLI is unstable; `N:` notes and `E:`
 * errors may be mixed in when both streams are captured.
 *
 * Every package line counts in `pendingUpdates`; those with a suite ending in `-security`
 * (`jammy-security`, `bookworm-security`) count in `pendingSecurityUpdates`. With no package
 * line the counts are 0 only if the `Listing` header is there (apt ran and found nothing);
 * otherwise (an error, empty output) they are left unknown.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { clip, compact, errorLine, MAX_DETAIL_ENTRIES, toLines, unrecognised, words } from './text.ts';

/** `name/suites version arch [...]`: package names are [a-z0-9+.-], suites have no spaces. */
const PACKAGE = /^([a-z0-9][a-z0-9+.-]*)\/(\S+)$/;

function parse(text: string): ToolFacts {
  const lines = toLines(text);
  let header = false;
  let total = 0;
  const security: string[] = [];
  let securityCount = 0;
  let errors = 0;

  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const parts = words(trimmed);
    const m = parts.length >= 3 ? PACKAGE.exec(parts[0]!) : null;
    if (m !== null) {
      total++;
      if (m[2]!.split(',').some((suite) => suite.endsWith('-security'))) {
        securityCount++;
        if (security.length < MAX_DETAIL_ENTRIES) security.push(m[1]!);
      }
      continue;
    }
    if (trimmed.startsWith('E:')) errors++;
    // `Listing... Done`, `Auflistung… Fertig`, `En train de lister… Fait`: a short line with a word ending in dots.
    else if (total === 0 && parts.length <= 5 && parts.some((w) => /(?:\.\.\.|…)$/.test(w))) header = true;
  }

  if (total === 0 && (!header || errors > 0)) return { detail: unrecognised(lines) };
  return {
    pendingUpdates: total,
    pendingSecurityUpdates: securityCount,
    detail: compact({
      securityPackages: security.length > 0 ? security : undefined,
      error: errors > 0 ? errorLine(lines.filter((l) => l.trim().startsWith('E:'))) : undefined,
      note: errors > 0 ? clip('apt reported errors: counts may be incomplete') : undefined,
    }),
  };
}

export const aptListUpgradable: ToolParser = {
  id: 'apt-list-upgradable',
  platform: 'linux',
  command: 'apt list --upgradable',
  parse,
};
