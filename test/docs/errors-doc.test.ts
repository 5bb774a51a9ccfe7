/**
 * docs/errors.md documents every code of ERROR_CODES, with the status and meaning the code
 * declares, and names no code that does not exist (STYLE.md §3, fastify's error table).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorCode } from '../../shared/errors.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const DOC = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');

/** The docs this suite keeps honest (protocol.md and bench.md have their own owner). */
const OWN_DOCS = ['errors.md', 'reasons.md', 'config.md', 'quickstart.md', 'cli.md', 'deps.md'];

/** Every code-like token, e.g. `ZG_ERR_AUTH_CERT_INVALID` (never a family prefix such as `ZG_ERR_WIRE_`). */
const CODE_TOKEN = /\bZG_ERR_[A-Z0-9_]*[A-Z0-9]\b/g;

interface Row {
  code: string;
  status: string;
  meaning: string;
  remedy: string;
}

/** Table rows whose first cell is a backticked code: `| \`ZG_ERR_X\` | 400 | meaning | remedy |`. */
function rows(markdown: string): Row[] {
  const found: Row[] = [];
  for (const line of markdown.split('\n')) {
    const match = /^\|\s*`(ZG_ERR_[A-Z0-9_]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (match === null) continue;
    const cells = (match[2] ?? '').split(/(?<!\\)\|/).map((cell) => cell.trim());
    found.push({ code: match[1]!, status: cells[0] ?? '', meaning: cells[1] ?? '', remedy: cells.slice(2).join('|') });
  }
  return found;
}

const table = rows(DOC);
const byCode = new Map(table.map((row) => [row.code, row]));
const known = new Set(Object.keys(ERROR_CODES));

describe('docs/errors.md', () => {
  it('has one table row for every code in ERROR_CODES', () => {
    const missing = [...known].filter((code) => !byCode.has(code));
    expect(missing, 'codes missing from docs/errors.md').toEqual([]);
  });

  it('has no row twice', () => {
    const seen = table.map((row) => row.code);
    expect(seen.filter((code, i) => seen.indexOf(code) !== i)).toEqual([]);
  });

  it('names no code that does not exist, anywhere in the page', () => {
    const unknown = [...new Set(DOC.match(CODE_TOKEN) ?? [])].filter((code) => !known.has(code));
    expect(unknown, 'codes in docs/errors.md that ERROR_CODES does not define').toEqual([]);
  });

  it.each(Object.entries(ERROR_CODES))('%s: status and meaning as declared, and a remedy', (code, { status, meaning }) => {
    const row = byCode.get(code as ErrorCode);
    expect(row, `${code} has no row`).toBeDefined();
    expect(row!.status).toBe(String(status));
    expect(row!.meaning.replace(/\s+/g, ' ')).toContain(meaning);
    expect(row!.remedy.length).toBeGreaterThan(20);
  });
});

describe('the other user docs', () => {
  it.each(OWN_DOCS)('docs/%s names only codes that exist', (name) => {
    const text = readFileSync(join(ROOT, 'docs', name), 'utf8');
    const unknown = [...new Set(text.match(CODE_TOKEN) ?? [])].filter((code) => !known.has(code));
    expect(unknown).toEqual([]);
  });
});
