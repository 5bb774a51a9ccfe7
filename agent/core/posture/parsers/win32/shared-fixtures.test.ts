/**
 * The third-party Windows outputs of ../shared/fixtures/posture/windows/<tool-id>/<case>.txt (not
 * in this repository: see its README), each parsed and held to what its `.json` `meaning` says.
 * Every meaning key has an explicit check below; a key without one fails, so that a new kind of
 * claim is never silently ignored.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ToolFacts } from '../types.ts';
import { ROOT } from './fixture-files.fixture.ts';
import { WIN32_PARSERS } from './index.ts';

const DIR = join(ROOT, '..', 'shared', 'fixtures', 'posture', 'windows');

type Check = (facts: ToolFacts, value: unknown) => void;

const CHECKS: Record<string, Check> = {
  osName: (facts, value) => expect(facts.detail['osName']).toBe(value),
  /** e.g. "6.3.9600", "build 10.0.19042", "6.1.7601 SP1 (end of life)". */
  osPatch: (facts, value) => {
    const text = String(value);
    expect(facts.detail['osVersion']).toBe(/\d+(?:\.\d+)+/.exec(text)?.[0]);
    const servicePack = /\bSP(\d+)\b/.exec(text)?.[1];
    expect(facts.detail['servicePack']).toBe(servicePack === undefined ? undefined : `Service Pack ${servicePack}`);
    if (text.includes('end of life')) expect(facts.detail['endOfLife']).toBe(true);
  },
  hotfixCount: (facts, value) => {
    expect(facts.detail['hotfixCount']).toBe(value);
    // systeminfo's list may stop short of its own count: then the parser must say so.
    const listed = facts.detail['hotfixesListed'];
    expect(typeof listed === 'number' && listed < Number(value) ? facts.detail['hotfixListTruncated'] : true).toBe(true);
  },
  hotfixes: (facts, value) => expect(facts.detail['hotfixes']).toEqual(value),
  // Free text about the file itself (line endings, stray spaces): covered by the other checks.
  note: () => undefined,
};

interface Case {
  toolId: string;
  name: string;
  text: string;
  meaning: Record<string, unknown>;
}

function cases(): Case[] {
  if (!existsSync(DIR)) return [];
  return readdirSync(DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((tool) =>
      readdirSync(join(DIR, tool.name))
        .filter((file) => file.endsWith('.txt'))
        .sort()
        .map((file) => {
          const base = join(DIR, tool.name, file.slice(0, -'.txt'.length));
          const json = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as { meaning: Record<string, unknown> };
          return { toolId: tool.name, name: file, text: readFileSync(`${base}.txt`, 'utf8'), meaning: json.meaning };
        }),
    );
}

describe.skipIf(!existsSync(DIR))('win32 parsers on the shared real Windows outputs', () => {
  const all = cases();

  it('finds outputs to check', () => {
    expect(all.length).toBeGreaterThan(0);
  });

  it.each(all.map((entry) => [`${entry.toolId}/${entry.name}`, entry] as const))('%s', (_label, entry) => {
    const parser = WIN32_PARSERS.find((candidate) => candidate.id === entry.toolId);
    expect(parser, `no win32 parser for tool id ${entry.toolId}`).toBeDefined();
    const facts = parser?.parse(entry.text) ?? { detail: {} };
    for (const [key, value] of Object.entries(entry.meaning)) {
      const check = CHECKS[key];
      expect(check, `no check for meaning "${key}"`).toBeDefined();
      check?.(facts, value);
    }
    // systeminfo prints no install dates: it must not invent a last update.
    if (entry.toolId === 'systeminfo') expect(facts.lastUpdateAt).toBeUndefined();
  });
});
