/**
 * docs/policy.md must stay true to the code: its YAML examples are configs the proxy accepts,
 * its JSON example is JSON, it documents every criterion, and its reasons table lists exactly
 * the reasons the policy engine emits.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../proxy/config/index.ts';
import { REQUIRE_CRITERIA } from '../../proxy/policy/index.ts';
import { isReason } from '../../shared/reasons.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const DOC = readFileSync(join(ROOT, 'docs', 'policy.md'), 'utf8');

const blocks = (lang: string): string[] => [...DOC.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1] ?? '');

/** Reasons in `reasons: [...]` literals of the policy engine's shipped sources. */
function emitted(): Set<string> {
  const found = new Set<string>();
  const dir = join(ROOT, 'proxy', 'policy');
  const files = [...readdirSync(dir).map((f) => join(dir, f)), ...readdirSync(join(dir, 'criteria')).map((f) => join(dir, 'criteria', f))];
  for (const file of files.filter((f) => f.endsWith('.ts') && !/\.test\.ts$|test-helpers\.ts$/.test(f))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/reasons: \[([^\]]*)\]/g)) {
      for (const literal of (match[1] ?? '').matchAll(/'([a-z-]+)'/g)) found.add(literal[1] ?? '');
    }
    // FAIL_REASON in evaluate.ts maps each criterion to its reason.
    for (const literal of text.matchAll(/^\s+'?[a-z-]+'?: '([a-z-]+)',$/gm)) if (isReason(literal[1])) found.add(literal[1] ?? '');
  }
  return found;
}

describe('docs/policy.md', () => {
  it('has YAML examples that the proxy accepts', () => {
    const examples = blocks('yaml');
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const example of examples) {
      const config = parseConfig(example, 'docs/policy.md', '/etc/zerogate');
      expect(Object.keys(config.policies).length).toBeGreaterThan(0);
    }
  });

  it('has a decision example that is JSON', () => {
    for (const example of blocks('json')) expect(() => JSON.parse(example)).not.toThrow();
  });

  it('names every require criterion in the decision details', () => {
    for (const name of REQUIRE_CRITERIA) expect(DOC).toContain(`\`${name}\``);
  });

  it('lists exactly the reasons the policy engine emits', () => {
    const section = DOC.split('\n## Reasons a policy produces\n')[1]?.split('\n## ')[0] ?? '';
    const listed = [...section.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
    expect(new Set(listed)).toEqual(emitted());
    expect(listed.every(isReason)).toBe(true);
  });
});
