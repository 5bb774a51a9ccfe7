/**
 * The project's own darwin tool outputs, `test/fixtures/posture/darwin/<tool-id>/<case>.txt`, and
 * a table runner: every fixture of a tool has exactly one expected `ToolFacts`, asserted whole.
 * Test data only: not exported from `index.ts`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ToolFacts, ToolParser } from '../types.ts';

/** The repository root (this file is agent/core/posture/parsers/darwin/). */
export const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
export const DARWIN_FIXTURES = join(ROOT, 'test', 'fixtures', 'posture', 'darwin');

/** Case names (file names without `.txt`) of one tool, sorted. */
export function fixtureCases(toolId: string): string[] {
  return readdirSync(join(DARWIN_FIXTURES, toolId))
    .filter((name) => name.endsWith('.txt'))
    .map((name) => name.slice(0, -'.txt'.length))
    .sort();
}

export function readFixture(toolId: string, name: string): string {
  return readFileSync(join(DARWIN_FIXTURES, toolId, `${name}.txt`), 'utf8');
}

/** One test per fixture of `parser.id`, each asserting the whole `ToolFacts`. */
export function describeFixtures(parser: ToolParser, expected: Readonly<Record<string, ToolFacts>>): void {
  describe(`${parser.id} fixtures`, () => {
    it('has one expectation per fixture file', () => {
      expect(Object.keys(expected).sort()).toEqual(fixtureCases(parser.id));
    });
    it.each(Object.entries(expected))('%s', (name, facts) => {
      expect(parser.parse(readFixture(parser.id, name))).toEqual(facts);
    });
  });
}
