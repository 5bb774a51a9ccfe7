/**
 * `softwareupdate --list` (softwareupdate(8)), with or without `--no-scan`. macOS 10.15+:
 *
 * ```
 * Software Update found the following new or updated software:
 * * Label: macOS Ventura 13.3.1-22E261
 *     Title: macOS Ventura 13.3.1, Version: 13.3.1, Size: 868648KiB, Recommended: YES, Action: restart,
 * ```
 *
 * and 10.14 and earlier: `   * Security Update 2019-001-10.13.6` then
 * `\tSecurity Update 2019-001 (10.13.6), 1869013K [recommended] [restart]`.
 * "No new software available." is zero pending updates.
 *
 * Counting: `pendingUpdates` is every listed update that is not a beta (betas are offered only
 * to Macs enrolled in a seed program and are never required; they are listed in `detail`).
 * `pendingSecurityUpdates` counts the updates Apple names as security content: "Security Update
 * …", "Background Security Improvement", "(Rapid) Security Response", a version with a response
 * letter such as `13.4.1 (a)`, and the XProtect / MRT / Gatekeeper data updates. A macOS point
 * release also carries security fixes but the list does not say so; it counts in
 * `pendingUpdates` only (policies catch it with a minimum OS version). A scan error, an
 * unrecognised (e.g. localized) verdict, or a "found" header with no updates after it gives no
 * counts at all (unknown).
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { clip, errorLine, explainUnknown, MAX_DETAIL_ITEMS, splitLines } from './text.ts';

interface PendingUpdate {
  label: string;
  title?: string;
  version?: string;
  recommended?: boolean;
  restartRequired?: boolean;
  beta?: boolean;
  security?: boolean;
}

const FOUND = /found the following new or updated software/i;
const NONE = /^No new software available\.?$/i;
const SECURITY = /\bsecurity\b|xprotect|\bMRT|gatekeeper/i;
const RESPONSE_VERSION = /\([a-z]\)$/i;
const BETA = /\bbeta\b/i;
const BANNER = /^(?:Software Update Tool|Finding available software)$/i;

/** `Title: X, Version: Y, Size: Z, Recommended: YES, Action: restart,` → its fields. */
function newStyleFields(line: string, update: PendingUpdate): void {
  const fields = new Map<string, string>();
  let last: string | undefined;
  for (const part of line.split(',')) {
    if (part.trim() === '') continue;
    const colon = part.indexOf(':');
    const key = colon > 0 ? part.slice(0, colon).trim().toLowerCase() : '';
    if (colon > 0 && /^[a-z][a-z ]{0,30}$/.test(key)) {
      last = key;
      fields.set(key, part.slice(colon + 1).trim());
    } else if (last !== undefined) fields.set(last, `${fields.get(last) ?? ''},${part}`.trim());
  }
  const title = fields.get('title');
  if (title !== undefined) update.title = clip(title);
  const version = fields.get('version');
  if (version !== undefined && version !== '') update.version = clip(version);
  const recommended = fields.get('recommended');
  if (recommended !== undefined) update.recommended = /^yes$/i.test(recommended);
  update.restartRequired = /^restart$/i.test(fields.get('action') ?? '');
}

/** `Security Update 2019-001 (10.13.6), 1869013K [recommended] [restart]` → its fields. */
function oldStyleFields(line: string, update: PendingUpdate): void {
  const comma = line.lastIndexOf(',');
  const head = comma < 0 ? line : line.slice(0, comma);
  const open = head.lastIndexOf('(');
  const close = head.lastIndexOf(')');
  if (open >= 0 && close > open) {
    update.title = clip(head.slice(0, open).trim());
    update.version = clip(head.slice(open + 1, close).trim());
  } else update.title = clip(head.trim());
  update.recommended = /\[recommended\]/i.test(line);
  update.restartRequired = /\[restart\]/i.test(line);
}

function classify(update: PendingUpdate): void {
  const names = `${update.label} ${update.title ?? ''}`;
  if (BETA.test(names)) update.beta = true;
  update.security = SECURITY.test(names) || RESPONSE_VERSION.test(update.version ?? '');
}

export function parseSoftwareupdateList(text: string): ToolFacts {
  const detail: Record<string, unknown> = {};
  const updates: PendingUpdate[] = [];
  const other: string[] = [];
  let found = false;
  let none = false;
  let current: PendingUpdate | undefined;

  for (const raw of splitLines(text)) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('*')) {
      const label = line.slice(1).trim().replace(/^Label:\s*/i, '');
      current = { label: clip(label) };
      updates.push(current);
      continue;
    }
    if (current !== undefined && current.title === undefined && (/^\s/.test(raw) || /^Title:/i.test(line))) {
      if (/^Title:/i.test(line)) newStyleFields(line, current);
      else oldStyleFields(line, current);
      continue;
    }
    current = undefined;
    if (FOUND.test(line)) found = true;
    else if (NONE.test(line)) none = true;
    if (!BANNER.test(line)) other.push(line);
  }
  for (const update of updates) classify(update);

  const error = errorLine(other);
  if (error !== undefined) detail['error'] = error;
  if (updates.length > 0) detail['updates'] = updates.slice(0, MAX_DETAIL_ITEMS);
  const betas = updates.filter((update) => update.beta === true).length;
  if (betas > 0) detail['betaUpdates'] = betas;

  if (error === undefined && none && updates.length === 0) {
    return { pendingUpdates: 0, pendingSecurityUpdates: 0, detail };
  }
  if (error === undefined && found && updates.length > 0) {
    const required = updates.filter((update) => update.beta !== true);
    return {
      pendingUpdates: required.length,
      pendingSecurityUpdates: required.filter((update) => update.security === true).length,
      detail,
    };
  }
  if (error === undefined) {
    if (found) detail['reason'] = 'update list announced but empty';
    else explainUnknown(other, detail);
  }
  return { detail };
}

export const softwareupdateListParser: ToolParser = {
  id: 'softwareupdate-list',
  platform: 'darwin',
  command: 'softwareupdate --list',
  parse: parseSoftwareupdateList,
};
