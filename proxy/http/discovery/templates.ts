/**
 * Path templates from observed paths (`/users/42/orders` -> `/users/{id}/orders`): segments
 * that look like object identifiers (numbers, UUIDs, long hex or base64-ish tokens, email
 * addresses) become placeholders, so an inventory and the enumeration detector count an
 * endpoint once, not once per object. When the app has an OpenAPI document, its templates
 * (and parameter names) are used first.
 */
import type { CompiledApi } from '../openapi/compile.ts';

export type PlaceholderKind = 'integer' | 'uuid' | 'email' | 'token' | 'declared';

export interface Templated {
  template: string;
  /** Whether the template comes from the app's OpenAPI document. */
  fromDocument: boolean;
  /** Placeholder names in order, with their kinds and the observed values (for enumeration). */
  params: { name: string; kind: PlaceholderKind; value: string }[];
}

/** Longest path templated; longer ones are cut (they are counted, not kept whole). */
export const TEMPLATE_PATH_MAX = 512;
/** Most segments kept of a path. */
const SEGMENTS_MAX = 32;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INTEGER = /^\d{1,30}$/;
const EMAIL = /^[^\s@/]+@[^\s@/]+\.[^\s@/]+$/;
const HEX = /^[0-9a-f]{16,}$/i;
const FILE_NAME = /\.[A-Za-z][A-Za-z0-9]{0,4}$/;
const BASE64ISH = /^[A-Za-z0-9_\-+=.~%]{20,}$/;

/** What an identifier-like segment is, or undefined for a word (`users`, `export.csv`). */
export function classifySegment(segment: string): Exclude<PlaceholderKind, 'declared'> | undefined {
  let decoded = segment;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    // keep the raw text
  }
  if (INTEGER.test(decoded)) return 'integer';
  if (UUID.test(decoded)) return 'uuid';
  if (EMAIL.test(decoded)) return 'email';
  if (HEX.test(decoded)) return 'token';
  // A file name (`main.3f9a8b7c6d5e4f3a.js`): a build's assets are endpoints, not objects.
  if (FILE_NAME.test(decoded)) return undefined;
  // Base64-ish: long, and mixing digits with letters (a long plain word is not an id).
  if (BASE64ISH.test(decoded) && /\d/.test(decoded) && /[A-Za-z]/.test(decoded)) return 'token';
  return undefined;
}

const NAMES: Record<Exclude<PlaceholderKind, 'declared'>, string> = { integer: 'id', uuid: 'uuid', email: 'email', token: 'token' };

/** The template of an observed path, from the document when it declares the path. */
export function templateOf(path: string, api?: CompiledApi): Templated {
  const bounded = path.length > TEMPLATE_PATH_MAX ? path.slice(0, TEMPLATE_PATH_MAX) : path;
  const declared = api?.match(bounded);
  if (declared !== undefined) {
    return { template: declared.template, fromDocument: true, params: Object.entries(declared.params).map(([name, value]) => ({ name, kind: 'declared', value })) };
  }
  const used = new Map<string, number>();
  const params: Templated['params'] = [];
  const segments = bounded.split('/').slice(1, SEGMENTS_MAX + 1).map((segment) => {
    const kind = classifySegment(segment);
    if (kind === undefined) return segment;
    const base = NAMES[kind];
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    const name = n === 1 ? base : `${base}${n}`;
    params.push({ name, kind, value: segment });
    return `{${name}}`;
  });
  return { template: `/${segments.join('/')}`, fromDocument: false, params };
}
