/**
 * Every linux parser is total (types.ts `ToolParser`): on any string, including binary garbage,
 * mangled real outputs and JSON of the wrong shape, it returns facts of the declared shape and
 * never throws; and it stays linear, so a hostile paste cannot stall the agent or the CLI.
 */
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LINUX_FIXTURES } from '../../../../../test/fixtures/posture/linux/cases.ts';
import type { ToolFacts } from '../types.ts';
import { LINUX_PARSERS } from './index.ts';

const STATES = ['on', 'off', 'unknown'];

/** The facts have the shape ToolFacts declares, whatever the input. */
function expectShape(facts: ToolFacts): void {
  expect(facts).toBeTypeOf('object');
  expect(facts.detail).toBeTypeOf('object');
  expect(facts.detail).not.toBeNull();
  if (facts.diskEncryption !== undefined) expect(STATES).toContain(facts.diskEncryption);
  if (facts.firewall !== undefined) expect(STATES).toContain(facts.firewall);
  if (facts.screenLock !== undefined) expect([true, false, 'unknown']).toContain(facts.screenLock.enabled);
  for (const count of [facts.pendingUpdates, facts.pendingSecurityUpdates, facts.screenLock?.timeoutSeconds]) {
    if (count !== undefined) expect(Number.isSafeInteger(count) && count >= 0).toBe(true);
  }
  if (facts.lastUpdateAt !== undefined) expect(Number.isNaN(Date.parse(facts.lastUpdateAt))).toBe(false);
  for (const agent of facts.edr ?? []) {
    expect(agent.vendor).toMatch(/^[a-z]+$/);
    expect(agent.running).toBeTypeOf('boolean');
  }
  expect(() => JSON.stringify(facts)).not.toThrow();
}

const seeds = LINUX_PARSERS.flatMap((p) => {
  const dir = join(LINUX_FIXTURES, p.id);
  return readdirSync(dir).filter((f) => f.endsWith('.txt')).map((f) => readFileSync(join(dir, f), 'utf8'));
});

/** A real output cut, spliced and salted: reaches the parsers' deeper paths. */
const mangled = fc
  .tuple(fc.constantFrom(...seeds), fc.nat(), fc.nat(), fc.string({ unit: 'binary', maxLength: 40 }))
  .map(([text, at, cut, insert]) => {
    const i = at % (text.length + 1);
    return text.slice(0, i) + insert + text.slice(Math.min(text.length, i + (cut % 64)));
  });
const wrongJson = fc.oneof(
  fc.json(),
  fc.anything().map((v) => JSON.stringify({ blockdevices: v, nftables: v }) ?? ''),
  fc.array(fc.anything(), { maxLength: 5 }).map((v) => JSON.stringify({ nftables: v.map((x) => ({ chain: x, rule: x, table: x })) }) ?? ''),
);
const inputs = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  mangled,
  wrongJson,
);

describe('linux parsers are total', () => {
  it.each(LINUX_PARSERS.map((p) => [p.id, p] as const))('%s never throws and keeps its shape', (_id, parser) => {
    fc.assert(fc.property(inputs, (text) => expectShape(parser.parse(text))), { numRuns: 400 });
  });

  // JSON objects whose keys shadow Object.prototype: String() on one of them throws.
  const edges = [
    '', ' ', '\n', '\r\n\r\n', '\uFEFF', '\u0000',
    '{"healthy":true,"appVersion":{"toString":1},"healthIssues":[{"toString":1,"valueOf":2}],"definitionsStatus":{"$type":{"valueOf":1}}}',
    '{"nftables":[{"table":{"family":{"toString":1},"name":"constructor"}},{"rule":{"chain":"__proto__","expr":{"jump":{"target":{"toString":1}}}}}]}',
    '{"blockdevices":[{"name":{"toString":1},"mountpoints":[{"valueOf":1},"/"],"children":{"length":3}}]}',
  ];
  it.each(LINUX_PARSERS.map((p) => [p.id, p] as const))('%s reads empty output and hostile JSON', (_id, parser) => {
    for (const text of edges) expectShape(parser.parse(text));
  });
});

describe('linux parsers stay linear', () => {
  const size = 400_000;
  // Shapes that make backtracking regexes or naive nesting go quadratic or overflow the stack.
  const hostile = [
    'a'.repeat(size),
    `${' '.repeat(size)}x`,
    `x${'\t '.repeat(size / 2)}!`,
    '('.repeat(size),
    '"'.repeat(size),
    'a.'.repeat(size / 2),
    'is '.repeat(size / 3),
    `Host OS ${' is supported by Sensor version '.repeat(size / 40)}`,
    ':'.repeat(size),
    '{'.repeat(size),
    `{"blockdevices":${'[{"children":'.repeat(size / 14)}`,
    `{"blockdevices":[${'{"name":"x","mountpoints":["/"]},'.repeat(size / 40)}{}]}`,
    `table ip f {\n${'chain c {\n'.repeat(size / 12)}`,
    `1 ${'| '.repeat(size / 2)}`,
    `${'Listing... '.repeat(size / 11)}\n`,
    'x/y 1 2 ['.repeat(size / 9),
    `${'-- '.repeat(size / 3)}\n`,
    `kernel.x86_64\n ${'a '.repeat(size / 2)}\n`,
    `${'9'.repeat(400)} package(s) needed for security, out of ${'9'.repeat(400)} available\n`,
    `${'9'.repeat(400)} | upgrade | 2024-01-01 10:00 | Upgrade | 1\n`,
    `Start-Date: 2024-01-01  10:00:00\nUpgrade: ${'a (1, 2), '.repeat(size / 10)}\nEnd-Date: 2024-01-01  10:00:01\n`,
  ];
  it.each(LINUX_PARSERS.map((p) => [p.id, p] as const))('%s parses 400 kB hostile inputs quickly', (_id, parser) => {
    for (const text of hostile) {
      const started = performance.now();
      expectShape(parser.parse(text));
      expect(performance.now() - started).toBeLessThan(1500);
    }
  });
});
