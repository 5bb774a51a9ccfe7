/**
 * docs/config.md is generated from CONFIG_SCHEMA (scripts/gen-config-doc.ts): the committed page
 * must be what the script produces now, and its full example must be a valid config.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA, parseConfig } from '../../proxy/config/index.ts';
import { DOC_FILE, EXAMPLE_HEADING, renderConfigDoc } from '../../scripts/gen-config-doc.ts';

const committed = readFileSync(DOC_FILE, 'utf8');

/** The first yaml block after the example heading. */
function fullExample(markdown: string): string {
  const after = markdown.split(`\n${EXAMPLE_HEADING}\n`)[1];
  const block = after === undefined ? undefined : /```yaml\n([\s\S]*?)```/.exec(after)?.[1];
  if (block === undefined) throw new Error(`docs/config.md has no yaml block under "${EXAMPLE_HEADING}"`);
  return block;
}

/** `# key: value` lines become `key: value` (the example shows optional keys commented out). */
function uncommentKeys(yaml: string): string {
  return yaml.replace(/^(\s*)# (\s*)([A-Za-z][A-Za-z0-9]*:)/gm, '$1$2$3');
}

/** Every key name the schema defines, at any depth (policy criteria are not typed yet). */
function schemaKeys(node: unknown, out = new Set<string>()): Set<string> {
  if (node === null || typeof node !== 'object') return out;
  const schema = node as { properties?: Record<string, unknown>; items?: unknown; additionalProperties?: unknown };
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    out.add(name);
    schemaKeys(child, out);
  }
  schemaKeys(schema.items, out);
  if (typeof schema.additionalProperties === 'object') schemaKeys(schema.additionalProperties, out);
  return out;
}

describe('docs/config.md', () => {
  it('is what scripts/gen-config-doc.ts generates (run `npx tsx scripts/gen-config-doc.ts --write` after changing the schema)', () => {
    expect(committed).toBe(renderConfigDoc());
  });

  it('documents every key of CONFIG_SCHEMA in the reference', () => {
    const reference = committed.split('\n## Reference\n')[1] ?? '';
    // A key is a row (`| \`limits.maxStreams\` |`) or, for a top-level mapping, a heading (`### \`limits\``).
    const documented = (key: string) => new RegExp(`^(\\| \`[^\`]*\\b${key}\` \\||### \`${key}\`$)`, 'm').test(reference);
    const missing = [...schemaKeys(CONFIG_SCHEMA)].filter((key) => !documented(key));
    expect(missing).toEqual([]);
  });

  it('has a full example that parseConfig accepts', () => {
    const config = parseConfig(fullExample(committed), 'docs/config.md', '/etc/zerogate');
    expect(config.apps.map((app) => app.id)).toEqual(['wiki', 'db']);
    expect(config.server.publicUrl).toBe('https://zerogate.example.com:8443');
    expect(config.dataDir).toBe('/etc/zerogate/zerogate-data');
  });

  it('has a full example that stays valid with its commented-out keys switched on', () => {
    const config = parseConfig(uncommentKeys(fullExample(committed)), 'docs/config.md', '/etc/zerogate');
    expect(config.server.tls).toEqual({ certFile: '/etc/zerogate/tls/fullchain.pem', keyFile: '/etc/zerogate/tls/privkey.pem' });
  });

  it('shows every key of CONFIG_SCHEMA in the full example', () => {
    const example = fullExample(committed);
    const missing = [...schemaKeys(CONFIG_SCHEMA)].filter((key) => !new RegExp(`(^|[\\s{,])${key}:`, 'm').test(example));
    expect(missing).toEqual([]);
  });
});
