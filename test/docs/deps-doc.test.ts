/**
 * docs/deps.md says why each dependency earns its place (STYLE.md §9): every entry of
 * package.json has its entry there, and the page lists nothing package.json does not have.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const DOC = readFileSync(join(ROOT, 'docs', 'deps.md'), 'utf8');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};

/** The text of one `## ` section. */
function section(title: string): string {
  const part = DOC.split(/^## /m).find((s) => s.startsWith(`${title}\n`));
  if (part === undefined) throw new Error(`docs/deps.md has no "## ${title}" section`);
  return part;
}

describe('docs/deps.md', () => {
  it('has a section for every runtime dependency, and none for a package that is not one', () => {
    const documented = [...section('Runtime dependencies').matchAll(/^### `([^`]+)`$/gm)].map((m) => m[1]!).sort();
    expect(documented).toEqual(Object.keys(PACKAGE.dependencies ?? {}).sort());
  });

  it('lists every development dependency, and no other', () => {
    const documented = [...section('Development dependencies').matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!).sort();
    expect(documented).toEqual(Object.keys(PACKAGE.devDependencies ?? {}).sort());
  });

  it('lists as planned only packages that are not installed yet', () => {
    const planned = [...section('Planned').matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!);
    const installed = new Set([...Object.keys(PACKAGE.dependencies ?? {}), ...Object.keys(PACKAGE.devDependencies ?? {})]);
    expect(planned.filter((name) => installed.has(name))).toEqual([]);
  });
});
