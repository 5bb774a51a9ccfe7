/**
 * A reader for old-style (OpenStep/NeXTSTEP) ASCII property lists, the `description` format that
 * `mdmclient` prints: `{ Key = Value; Nested = { ... }; List = ( a, b ); }`. Values are kept as
 * strings (this format does not type numbers). Like the XML reader it keeps its own stack, caps
 * nesting, scans each character a bounded number of times and never throws; text that is not a
 * well-formed list gives `undefined`.
 */
import type { PlistDict, PlistValue } from './plist-xml.ts';

export const MAX_ASCII_PLIST_DEPTH = 64;

type Frame =
  | { kind: 'dict'; map: PlistDict; key: string | undefined; state: 'key' | 'eq' | 'value' | 'semi' }
  | { kind: 'array'; items: PlistValue[]; state: 'value' | 'comma' };

const BARE = /[A-Za-z0-9_$+/:.\-]/;
const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', a: '\x07', b: '\b', f: '\f', v: '\v' };

/** Reads a quoted string starting at `start` (the opening quote); undefined when unterminated. */
function readQuoted(text: string, start: number): { value: string; end: number } | undefined {
  let out = '';
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') return { value: out, end: i + 1 };
    if (ch === '\\' && i + 1 < text.length) {
      const next = text[i + 1]!;
      if (next === 'U' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
        out += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
      } else {
        out += ESCAPES[next] ?? next;
        i += 2;
      }
      continue;
    }
    out += ch;
    i++;
  }
  return undefined;
}

/**
 * Reads one value (a dict, an array, a string or `<hex>` data) starting at `start`, after
 * whitespace and comments. Returns the value and the offset just past it.
 */
export function parseAsciiPlist(text: string, start = 0): { value: PlistValue; end: number } | undefined {
  const stack: Frame[] = [];
  let i = start;

  /** Places a finished value in the enclosing container; false when none expects one. */
  const place = (value: PlistValue): 'done' | 'ok' | 'bad' => {
    const top = stack[stack.length - 1];
    if (top === undefined) return 'done';
    if (top.kind === 'array') {
      if (top.state !== 'value') return 'bad';
      top.items.push(value);
      top.state = 'comma';
      return 'ok';
    }
    if (top.state === 'key' && typeof value === 'string') {
      top.key = value;
      top.state = 'eq';
      return 'ok';
    }
    if (top.state !== 'value' || top.key === undefined) return 'bad';
    top.map.set(top.key, value);
    top.key = undefined;
    top.state = 'semi';
    return 'ok';
  };

  while (i < text.length) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++;
      continue;
    }
    if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return undefined;
      i = end + 2;
      continue;
    }
    if (ch === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end + 1;
      continue;
    }
    const top = stack[stack.length - 1];
    let value: PlistValue | undefined;
    if (ch === '{' || ch === '(') {
      if (stack.length >= MAX_ASCII_PLIST_DEPTH) return undefined;
      if (top !== undefined && top.state !== 'value') return undefined;
      stack.push(ch === '{' ? { kind: 'dict', map: new Map(), key: undefined, state: 'key' } : { kind: 'array', items: [], state: 'value' });
      i++;
      continue;
    }
    if (ch === '}' || ch === ')') {
      if (top === undefined) return undefined;
      if (ch === '}' && (top.kind !== 'dict' || top.state !== 'key')) return undefined;
      if (ch === ')' && top.kind !== 'array') return undefined;
      stack.pop();
      value = top.kind === 'dict' ? top.map : top.items;
      i++;
    } else if (ch === '=') {
      if (top?.kind !== 'dict' || top.state !== 'eq') return undefined;
      top.state = 'value';
      i++;
      continue;
    } else if (ch === ';') {
      if (top?.kind !== 'dict' || top.state !== 'semi') return undefined;
      top.state = 'key';
      i++;
      continue;
    } else if (ch === ',') {
      if (top?.kind !== 'array' || top.state !== 'comma') return undefined;
      top.state = 'value';
      i++;
      continue;
    } else if (ch === '"') {
      const quoted = readQuoted(text, i);
      if (quoted === undefined) return undefined;
      value = quoted.value;
      i = quoted.end;
    } else if (ch === '<') {
      const end = text.indexOf('>', i);
      if (end < 0) return undefined;
      value = text.slice(i + 1, end).replace(/\s+/g, '');
      i = end + 1;
    } else if (BARE.test(ch)) {
      let end = i + 1;
      while (end < text.length && BARE.test(text[end]!)) end++;
      value = text.slice(i, end);
      i = end;
    } else return undefined;

    // A closing bracket was popped above: its value goes to the new top of the stack.
    const placed = place(value);
    if (placed === 'done') return { value, end: i };
    if (placed === 'bad') return undefined;
  }
  return undefined;
}
