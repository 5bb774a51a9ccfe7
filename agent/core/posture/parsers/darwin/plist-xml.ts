/**
 * A reader for the subset of Apple's XML property lists that `diskutil ... -plist` prints
 * (Apple PropertyList-1.0 DTD: `dict`, `array`, `key`, `string`, `integer`, `real`, `true`,
 * `false`, `date`, `data`). No XML library is installed and none is needed: this reads only that
 * vocabulary, expands only the five predefined entities and character references (no DTD, no
 * external entities, so no entity-expansion attacks), keeps its own stack instead of recursing
 * (so deep nesting cannot overflow the call stack) and visits each character a bounded number of
 * times. Anything outside the subset makes the whole document unreadable (`undefined`): a parser
 * then answers `unknown` rather than guess from half a document.
 */

export type PlistValue = string | number | boolean | PlistValue[] | PlistDict;
/** A `<dict>`; a Map, so keys such as `__proto__` stay plain data. */
export type PlistDict = Map<string, PlistValue>;

/** Deepest nesting of `dict`/`array` accepted; diskutil's output is 6 deep. */
export const MAX_PLIST_DEPTH = 64;

type LeafName = 'key' | 'string' | 'integer' | 'real' | 'date' | 'data' | 'true' | 'false';
type Frame =
  | { kind: 'dict'; map: PlistDict; key: string | undefined }
  | { kind: 'array'; items: PlistValue[] }
  | { kind: 'leaf'; name: LeafName; parts: string[] };

const LEAVES: ReadonlySet<string> = new Set(['key', 'string', 'integer', 'real', 'date', 'data', 'true', 'false']);
const ENTITY = /&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|(amp|lt|gt|quot|apos));/g;
const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(ENTITY, (_match, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
    if (name !== undefined) return NAMED[name] ?? '';
    const code = hex !== undefined ? Number.parseInt(hex, 16) : Number.parseInt(dec ?? '', 10);
    return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : '\ufffd';
  });
}

/** The value of a closed leaf element, or undefined when its text does not fit its type. */
function leafValue(name: LeafName, text: string): PlistValue | undefined {
  switch (name) {
    case 'true':
    case 'false':
      return text.trim() === '' ? name === 'true' : undefined;
    case 'integer': {
      const trimmed = text.trim();
      return /^[+-]?[0-9]{1,20}$/.test(trimmed) ? Number(trimmed) : undefined;
    }
    case 'real': {
      const value = Number(text.trim());
      return text.trim() !== '' && !Number.isNaN(value) ? value : undefined;
    }
    default:
      return text;
  }
}

/** The root value of an XML plist, or undefined when `text` is not one this reader can read. */
export function parsePlistXml(text: string): PlistValue | undefined {
  const stack: Frame[] = [];
  let root: PlistValue | undefined;
  let inPlist = false;
  let pos = 0;

  /** Places a finished value in the enclosing container; false when it does not fit there. */
  const emit = (value: PlistValue): boolean => {
    const top = stack[stack.length - 1];
    if (top === undefined) {
      if (!inPlist || root !== undefined) return false;
      root = value;
      return true;
    }
    if (top.kind === 'array') top.items.push(value);
    else if (top.kind === 'dict' && top.key !== undefined) {
      top.map.set(top.key, value);
      top.key = undefined;
    } else return false;
    return true;
  };

  while (pos < text.length) {
    const lt = text.indexOf('<', pos);
    const between = text.slice(pos, lt < 0 ? text.length : lt);
    const top = stack[stack.length - 1];
    if (top?.kind === 'leaf') top.parts.push(between);
    else if (between.trim() !== '') return undefined;
    if (lt < 0) break;

    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      if (end < 0) return undefined;
      pos = end + 3;
      continue;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      if (end < 0 || top?.kind !== 'leaf') return undefined;
      top.parts.push(text.slice(lt + 9, end));
      pos = end + 3;
      continue;
    }
    const gt = text.indexOf('>', lt);
    if (gt < 0) return undefined;
    pos = gt + 1;
    if (text.startsWith('<?', lt) || text.startsWith('<!', lt)) {
      if (inPlist || top !== undefined) return undefined; // prolog and DOCTYPE come first
      continue;
    }

    const tag = text.slice(lt + 1, gt);
    const closing = tag.startsWith('/');
    const selfClosing = !closing && tag.endsWith('/');
    const body = tag.slice(closing ? 1 : 0, selfClosing ? -1 : undefined).trim();
    const space = body.search(/\s/);
    const name = space < 0 ? body : body.slice(0, space);

    if (closing) {
      if (name === 'plist') {
        if (!inPlist || stack.length > 0) return undefined;
        break; // whatever follows the document is not read
      }
      const frame = stack.pop();
      if (frame === undefined) return undefined;
      if (frame.kind === 'leaf') {
        if (frame.name !== name) return undefined;
        const value = leafValue(frame.name, decodeEntities(frame.parts.join('')));
        if (value === undefined) return undefined;
        if (frame.name === 'key') {
          const parent = stack[stack.length - 1];
          if (parent?.kind !== 'dict' || parent.key !== undefined || typeof value !== 'string') return undefined;
          parent.key = value;
        } else if (!emit(value)) return undefined;
      } else {
        if (frame.kind !== name || (frame.kind === 'dict' && frame.key !== undefined)) return undefined;
        if (!emit(frame.kind === 'dict' ? frame.map : frame.items)) return undefined;
      }
      continue;
    }

    if (name === 'plist') {
      if (inPlist) return undefined;
      inPlist = true;
      if (selfClosing) break;
      continue;
    }
    if (!inPlist || top?.kind === 'leaf') return undefined;
    if (name === 'dict' || name === 'array') {
      if (selfClosing) {
        if (!emit(name === 'dict' ? new Map() : [])) return undefined;
      } else {
        if (stack.length >= MAX_PLIST_DEPTH) return undefined;
        stack.push(name === 'dict' ? { kind: 'dict', map: new Map(), key: undefined } : { kind: 'array', items: [] });
      }
      continue;
    }
    if (!LEAVES.has(name)) return undefined;
    const leaf: Frame = { kind: 'leaf', name: name as LeafName, parts: [] };
    if (!selfClosing) {
      stack.push(leaf);
      continue;
    }
    const value = leafValue(leaf.name, '');
    if (value === undefined) return undefined;
    if (leaf.name === 'key') {
      if (top?.kind !== 'dict' || top.key !== undefined) return undefined;
      top.key = '';
    } else if (!emit(value)) return undefined;
  }
  return stack.length === 0 ? root : undefined;
}

/** `value` when it is a dict. */
export function asDict(value: PlistValue | undefined): PlistDict | undefined {
  return value instanceof Map ? value : undefined;
}

/** `value` when it is an array. */
export function asArray(value: PlistValue | undefined): PlistValue[] | undefined {
  return Array.isArray(value) ? value : undefined;
}
