/**
 * docs/identity.md shows a config example for each external IdP (Okta, Entra ID, Keycloak,
 * Google) and for the embedded IdP's users. Each one must be a config the proxy accepts as it
 * stands, and resolve to what the page says about it: a tested-shape example, not prose.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../proxy/config/index.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const DOC = readFileSync(join(ROOT, 'docs', 'identity.md'), 'utf8');

/** The text under `### <title>` up to the next `##` or `###` heading. */
function section(title: string): string {
  const lines = DOC.split('\n');
  const start = lines.findIndex((line) => line === `### ${title}`);
  if (start < 0) throw new Error(`docs/identity.md has no "### ${title}" heading`);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => /^#{2,3} /.test(line));
  return rest.slice(0, end < 0 ? undefined : end).join('\n');
}

/** The bodies of the ```yaml blocks in `markdown`. */
function yamlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

/** The one yaml example of a section. */
function example(title: string): string {
  const blocks = yamlBlocks(section(title));
  expect(blocks, `yaml examples under "### ${title}"`).toHaveLength(1);
  return blocks[0]!;
}

const load = (text: string) => parseConfig(text, 'zerogate.yaml', '/etc/zerogate');

const PROVIDERS = [
  {
    title: 'Okta',
    issuer: /^https:\/\/[a-z0-9-]+\.okta\.com\/oauth2\/default$/,
    groupsClaim: 'groups',
    userClaim: 'email',
    mfa: { amr: ['mfa'], acr: [], enforcedByIdp: false },
    acrValues: [],
    scopes: ['openid', 'email', 'profile', 'offline_access'],
  },
  {
    title: 'Microsoft Entra ID',
    issuer: /^https:\/\/login\.microsoftonline\.com\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/v2\.0$/,
    groupsClaim: 'roles',
    userClaim: 'preferred_username',
    mfa: { amr: ['mfa', 'otp', 'hwk'], acr: [], enforcedByIdp: true },
    acrValues: [],
    scopes: ['openid', 'email', 'profile', 'offline_access'],
  },
  {
    title: 'Keycloak',
    issuer: /^https:\/\/[a-z0-9.-]+\/realms\/[a-z0-9-]+$/,
    groupsClaim: 'groups',
    userClaim: 'email',
    mfa: { amr: [], acr: ['gold'], enforcedByIdp: false },
    acrValues: ['gold'],
    scopes: ['openid', 'email', 'profile', 'offline_access'],
  },
  {
    title: 'Google',
    issuer: /^https:\/\/accounts\.google\.com$/,
    groupsClaim: 'groups',
    userClaim: 'email',
    mfa: { amr: ['mfa', 'otp', 'hwk'], acr: [], enforcedByIdp: true },
    acrValues: [],
    // Google does not know the offline_access scope.
    scopes: ['openid', 'email', 'profile'],
  },
] as const;

describe('docs/identity.md: external IdP examples', () => {
  it.each(PROVIDERS)('$title: the example is a config the proxy accepts, with the documented values', (provider) => {
    const config = load(example(provider.title));
    expect(config.identity.provider).toBe('oidc');
    const oidc = config.identity.oidc;
    if (oidc === undefined) throw new Error('identity.oidc did not resolve');
    expect(oidc.issuer).toMatch(provider.issuer);
    expect(oidc.clientId.length).toBeGreaterThan(0);
    expect(oidc.groupsClaim).toBe(provider.groupsClaim);
    expect(oidc.userClaim).toBe(provider.userClaim);
    expect(oidc.mfa).toEqual(provider.mfa);
    expect(oidc.acrValues).toEqual(provider.acrValues);
    expect(oidc.scopes).toEqual(provider.scopes);
    // The embedded IdP is off: no users come along with an external IdP.
    expect(config.identity.embedded.users).toEqual([]);
  });

  it.each(PROVIDERS)('$title: the at-a-glance table names its issuer shape', ({ title }) => {
    const row = DOC.split('\n').find((line) => line.startsWith(`| ${title} |`));
    expect(row, `a "| ${title} |" row`).toBeDefined();
    expect(row).toMatch(/`https:\/\/[^`]+`/);
  });

  it('the Keycloak example asks for the acr it accepts', () => {
    const oidc = load(example('Keycloak')).identity.oidc;
    expect(oidc?.acrValues.every((value) => oidc.mfa.acr.includes(value))).toBe(true);
  });

  it('examples whose tokens cannot prove MFA trust the IdP only explicitly, and say why', () => {
    for (const title of ['Microsoft Entra ID', 'Google']) {
      expect(load(example(title)).identity.oidc?.mfa.enforcedByIdp).toBe(true);
      expect(section(title)).toMatch(/enforcedByIdp: true/);
      expect(section(title)).toMatch(/without it every\s+sign-in is\s+refused with `mfa-required`/);
    }
    for (const title of ['Okta', 'Keycloak']) expect(load(example(title)).identity.oidc?.mfa.enforcedByIdp).toBe(false);
  });

  it('the Google example publishes only its non-confidential desktop secret to agents', () => {
    const oidc = load(example('Google')).identity.oidc;
    expect(oidc?.agentClientSecret).toBe('GOCSPX-replace-me');
    expect(oidc?.clientSecret).toBeUndefined();
  });
});

describe('docs/identity.md: the embedded IdP', () => {
  it('the config-file users example is accepted and keeps the embedded IdP', () => {
    const config = load(example('Users in the config file'));
    expect(config.identity.provider).toBe('embedded');
    expect(config.identity.oidc).toBeUndefined();
    const [user] = config.identity.embedded.users;
    expect(user?.username).toBe('alice');
    expect(user?.passwordHash).toMatch(/^scrypt\$N=\d+,r=\d+,p=\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(user?.totpSecret).toBeUndefined();
  });

  it('documents the lifetime keys the config has', () => {
    for (const key of ['identity.session.tokenTtl', 'identity.session.maxAge', 'identity.session.mfaMaxAge']) {
      expect(DOC).toContain(`\`${key}\``);
    }
    const defaults = load('').identity.session;
    expect(defaults).toEqual({ tokenTtlMs: 10 * 60_000, maxAgeMs: 12 * 3_600_000, mfaMaxAgeMs: 12 * 3_600_000 });
  });
});

describe('docs/identity.md: every yaml example', () => {
  it('is a config the proxy accepts', () => {
    const blocks = yamlBlocks(DOC);
    expect(blocks.length).toBeGreaterThanOrEqual(PROVIDERS.length + 1);
    for (const block of blocks) expect(() => load(block)).not.toThrow();
  });
});
