/**
 * Collects config problems and turns them into the one `ZG_ERR_CONFIG_INVALID` error: every
 * problem at once, each naming the file, the path in it, the line:column, what was expected and
 * what was found.
 */

import { ZerogateError } from '../../shared/errors.ts';
import type { ConfigIssue } from './types.ts';

/** One step of a path into the document: a mapping key or a list index. */
export type Segment = string | number;

/** Where a problem sits in the source. */
export interface Position {
  line: number;
  column: number;
}

/**
 * Finds the source position for a path. `key` asks for the key of the last segment (an unknown
 * key), `value` for the value at the path, `parent` for the mapping that lacks the last segment.
 */
export type Locator = (segments: readonly Segment[], at: IssueAnchor) => Position | undefined;

export type IssueAnchor = 'key' | 'value' | 'parent';

export interface NewIssue {
  segments: readonly Segment[];
  at?: IssueAnchor;
  expected: string;
  /** Already described with {@link describeValue} (or a fixed text such as `nothing`). */
  found: string;
  /** Replaces the default `expected …, found …` wording in the message line. */
  text?: string;
  /** For document-level problems whose position comes from the YAML parser itself. */
  position?: Position;
}

/** Longest `found` text, ellipsis included. */
export const MAX_FOUND_LENGTH = 60;

/** Most problem lines printed in the message; `detail.errors` always has them all. */
const MAX_MESSAGE_LINES = 100;

/** Keys whose values are never shown back, whatever the field turns out to be. */
const SECRET_KEY = /secret|password|passphrase|credential|private.?key|api.?key/i;

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `apps[1].upstream`, `policies["a b"].mode`; the empty path is the whole document. */
export function formatPath(segments: readonly Segment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

export function truncate(text: string, max = MAX_FOUND_LENGTH): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/**
 * A short, secret-free description of a value for `found`: strings quoted, collections by kind,
 * URL credentials masked, values under secret-looking keys withheld.
 */
export function describeValue(value: unknown, key?: Segment): string {
  if (typeof key === 'string' && SECRET_KEY.test(key)) return '(a value, not shown)';
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') {
    return truncate(JSON.stringify(value.replace(/\/\/[^/@\s]*@/g, '//***@')));
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return truncate(String(value));
  }
  if (value instanceof Uint8Array) return 'binary data';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  return truncate(typeof value);
}

/** The candidate closest to `word` when it is plausibly a typo of it. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Number.POSITIVE_INFINITY;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? Number.POSITIVE_INFINITY;
}

interface Collected extends NewIssue {
  path: string;
  order: number;
}

/** The problems of one config, at most one per path (the first found, schema before semantics). */
export class ConfigIssues {
  #byPath = new Map<string, Collected>();

  get size(): number {
    return this.#byPath.size;
  }

  has(segments: readonly Segment[]): boolean {
    return this.#byPath.has(formatPath(segments));
  }

  add(issue: NewIssue): void {
    const path = formatPath(issue.segments);
    // Document-level problems share the empty path; keep each of them.
    const id = path === '' ? `#${this.#byPath.size}` : path;
    if (this.#byPath.has(id)) return;
    this.#byPath.set(id, { ...issue, path, order: this.#byPath.size });
  }

  /** The list for `detail.errors`, in document order. */
  list(source: string, locate: Locator): ConfigIssue[] {
    const located = [...this.#byPath.values()].map((issue) => ({
      issue,
      position: issue.position ?? locate(issue.segments, issue.at ?? 'value'),
    }));
    located.sort(
      (a, b) =>
        (a.position?.line ?? 0) - (b.position?.line ?? 0) ||
        (a.position?.column ?? 0) - (b.position?.column ?? 0) ||
        a.issue.order - b.issue.order,
    );
    return located.map(({ issue, position }) => {
      const where = position === undefined ? source : `${source}:${position.line}:${position.column}`;
      const what = issue.text ?? `expected ${issue.expected}, found ${issue.found}`;
      return {
        path: issue.path,
        line: position?.line,
        column: position?.column,
        expected: issue.expected,
        found: issue.found,
        message: issue.path === '' ? `${where}: ${what}` : `${where}: ${issue.path}: ${what}`,
      };
    });
  }

  /** The `ZG_ERR_CONFIG_INVALID` error listing every problem, one per line. */
  toError(source: string, locate: Locator): ZerogateError {
    const errors = this.list(source, locate);
    const count = errors.length === 1 ? '1 error' : `${errors.length} errors`;
    const lines = errors.slice(0, MAX_MESSAGE_LINES).map((issue) => `  ${issue.message}`);
    if (errors.length > MAX_MESSAGE_LINES) lines.push(`  ... and ${errors.length - MAX_MESSAGE_LINES} more`);
    return new ZerogateError('ZG_ERR_CONFIG_INVALID', [`invalid config ${source} (${count}):`, ...lines].join('\n'), {
      detail: { file: source, errors },
    });
  }
}
