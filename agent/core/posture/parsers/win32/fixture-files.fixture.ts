/** Test helper: the win32 posture fixtures of test/fixtures/posture/win32/<tool-id>/<case>.txt. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root (this file is agent/core/posture/parsers/win32/). */
export const ROOT = resolve(import.meta.dirname, '../../../../..');
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'posture', 'win32');

/** Case names (file names without `.txt`) of one tool's fixtures, sorted. */
export function fixtureCases(toolId: string): string[] {
  return readdirSync(join(FIXTURES, toolId))
    .filter((name) => name.endsWith('.txt'))
    .map((name) => name.slice(0, -'.txt'.length))
    .sort();
}

/** One fixture as UTF-8 text, exactly as a pasted file would reach the parser (BOMs, NULs, CRs kept). */
export function readFixture(toolId: string, name: string): string {
  return readFileSync(join(FIXTURES, toolId, `${name}.txt`), 'utf8');
}
