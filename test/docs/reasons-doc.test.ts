/**
 * One catalogue of reasons (STYLE.md §4): `REASONS` in shared/reasons.ts, docs/reasons.md and
 * the reasons the code actually emits must agree.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { isReason, REASONS } from '../../shared/reasons.ts';
import { FIELD_LIMITS } from '../../shared/wire/index.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const DOC = readFileSync(join(ROOT, 'docs', 'reasons.md'), 'utf8');
const CATALOGUE = Object.keys(REASONS).sort();

/** DESIGN.md §6, verbatim: the reasons the design promises. */
const DESIGN_REASONS = [
  'user-unauthenticated', 'token-expired', 'token-invalid', 'mfa-required', 'auth-too-old',
  'user-not-allowed', 'device-unenrolled', 'device-revoked', 'certificate-invalid',
  'posture-missing', 'posture-stale', 'os-outdated', 'patch-outdated', 'disk-unencrypted',
  'edr-missing', 'firewall-off', 'screen-lock-off', 'source-not-allowed', 'app-not-found',
  'rate-limited',
];

/** `### \`reason\`` headings, each opening that reason's section. */
function sections(markdown: string): Map<string, string> {
  const found = new Map<string, string>();
  const parts = markdown.split(/^#{2,3} `([a-z0-9-]+)`\s*$/m);
  for (let i = 1; i < parts.length; i += 2) {
    const name = parts[i]!;
    if (found.has(name)) throw new Error(`docs/reasons.md has two sections for ${name}`);
    found.set(name, (parts[i + 1] ?? '').split(/^## /m)[0]!);
  }
  return found;
}

/** First cells of the overview table: `| \`reason\` | ...`. */
function overviewRows(markdown: string): string[] {
  return [...markdown.matchAll(/^\|\s*`([a-z0-9-]+)`\s*\|/gm)].map((m) => m[1]!);
}

const squash = (text: string): string => text.replace(/^>\s?/gm, '').replace(/\s+/g, ' ').trim();

/** Source files that ship (not tests, fixtures or test helpers). */
function shippedSources(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) shippedSources(full, out);
    else if (/\.ts$/.test(entry) && !/\.(test|fixture)\.ts$|\.d\.ts$|test-helpers\.ts$/.test(entry)) out.push(full);
  }
  return out;
}

/** Every string literal inside the value of a `reasons:` property, with where it is. */
function emittedReasons(): Array<{ reason: string; at: string }> {
  const found: Array<{ reason: string; at: string }> = [];
  for (const file of ['proxy', 'shared', 'agent'].flatMap((d) => shippedSources(join(ROOT, d)))) {
    const text = readFileSync(file, 'utf8');
    if (!text.includes('reasons')) continue;
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const where = relative(ROOT, file).split(sep).join('/');
    // Reasons are always the elements of an array literal (`reasons: ['device-revoked']`,
    // `allowed ? [] : ['user-not-allowed']`); other literals (`typeof r === 'string'`) are not.
    const collect = (node: ts.Node): void => {
      if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && ts.isArrayLiteralExpression(node.parent)) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        found.push({ reason: node.text, at: `${where}:${line + 1}` });
      }
      ts.forEachChild(node, collect);
    };
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAssignment(node) && node.name.getText(source).replace(/['"]/g, '') === 'reasons') collect(node.initializer);
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

describe('REASONS (shared/reasons.ts)', () => {
  it('holds every reason of DESIGN.md §6', () => {
    expect(DESIGN_REASONS.filter((r) => !isReason(r))).toEqual([]);
  });

  it.each(CATALOGUE)('%s is a valid wire reason with a summary and a second-person remediation', (reason) => {
    expect(reason).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(reason.length).toBeLessThanOrEqual(FIELD_LIMITS.reasonMaxLength);
    const entry = REASONS[reason as keyof typeof REASONS];
    expect(entry.summary.length).toBeGreaterThan(10);
    expect(entry.remediation).toMatch(/\byour?\b/i);
  });

  it('isReason refuses what is not in the catalogue', () => {
    expect(isReason('device-revoked')).toBe(true);
    for (const value of ['toString', '__proto__', 'Device-Revoked', '', 42, undefined]) expect(isReason(value)).toBe(false);
  });
});

describe('docs/reasons.md', () => {
  const bySection = sections(DOC);

  it('has a section for every reason in REASONS, and none for another', () => {
    expect([...bySection.keys()].sort()).toEqual(CATALOGUE);
  });

  it('lists every reason in REASONS in its overview table, and no other', () => {
    expect(overviewRows(DOC).sort()).toEqual(CATALOGUE);
  });

  it.each(CATALOGUE)('%s: the section quotes the remediation of REASONS verbatim, and has helpdesk checks', (reason) => {
    const section = bySection.get(reason) ?? '';
    expect(squash(section)).toContain(squash(REASONS[reason as keyof typeof REASONS].remediation));
    expect(section).toMatch(/\*\*When it happens\.\*\*/);
    expect(section).toMatch(/\*\*Helpdesk checks\.\*\*\n- /);
  });
});

describe('reasons used in the code', () => {
  const emitted = emittedReasons();

  it('finds the reasons the proxy emits (the scan works)', () => {
    const names = new Set(emitted.map((e) => e.reason));
    for (const reason of ['device-revoked', 'user-not-allowed', 'app-not-found', 'target-not-allowed', 'rate-limited']) {
      expect(names).toContain(reason);
    }
  });

  it('are all in REASONS', () => {
    expect(emitted.filter((e) => !isReason(e.reason))).toEqual([]);
  });
});
