import { describeFixtures } from '../../../../../test/fixtures/posture/linux/cases.ts';
import { describe, expect, it } from 'vitest';
import { nftListRuleset } from './nft-list-ruleset.ts';

describeFixtures(nftListRuleset, {
  'accept-all': {
    firewall: 'off',
    detail: {
      tables: ['inet filter'],
      chains: 3,
      rules: 2,
      baseChains: [
        'inet filter input: hook input, policy accept',
        'inet filter forward: hook forward, policy accept',
        'inet filter output: hook output, policy accept',
      ],
      reason: 'input chains accept everything (policy accept, no drop or reject rule)',
    },
  },
  'crlf-handles-set-block': {
    firewall: 'on',
    detail: {
      tables: ['inet filter'],
      chains: 1,
      rules: 3,
      baseChains: ['inet filter input: hook input, policy accept'],
      filteringChains: ['inet filter input'],
    },
  },
  'docker-nat-only': {
    firewall: 'off',
    detail: {
      tables: ['ip nat', 'ip filter'],
      chains: 6,
      rules: 8,
      baseChains: [
        'ip nat POSTROUTING: hook postrouting, policy accept',
        'ip nat PREROUTING: hook prerouting, policy accept',
        'ip filter FORWARD: hook forward, policy drop',
      ],
      reason: 'no base chain on the input hook: incoming traffic is not filtered',
    },
  },
  'empty-ruleset': {
    firewall: 'off',
    detail: {
      note: 'nft printed nothing: no ruleset loaded',
      tables: [],
      chains: 0,
      rules: 0,
      reason: 'empty ruleset',
    },
  },
  'error-not-root': { firewall: 'unknown', detail: { error: 'Operation not permitted (you must be root)' } },
  'firewalld-reject-in-zone-chain': {
    firewall: 'on',
    detail: {
      tables: ['inet firewalld'],
      chains: 5,
      rules: 14,
      baseChains: ['inet firewalld filter_INPUT: hook input, policy accept'],
      filteringChains: ['inet firewalld filter_INPUT'],
    },
  },
  'inet-filter-policy-drop': {
    firewall: 'on',
    detail: {
      tables: ['inet filter'],
      chains: 3,
      rules: 6,
      baseChains: [
        'inet filter input: hook input, policy drop',
        'inet filter forward: hook forward, policy drop',
        'inet filter output: hook output, policy accept',
      ],
      filteringChains: ['inet filter input'],
    },
  },
  'iptables-nft-jump-to-drop': {
    firewall: 'on',
    detail: {
      tables: ['ip filter'],
      chains: 3,
      rules: 5,
      baseChains: ['ip filter INPUT: hook input, policy accept'],
      filteringChains: ['ip filter INPUT'],
    },
  },
});

describe('nft-list-ruleset jumps', () => {
  it('follows jumps through a cycle once and finds no filter in it', () => {
    const text = 'table inet t {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t\tjump a\n\t}\n\tchain a {\n\t\tjump b\n\t}\n\tchain b {\n\t\tgoto a\n\t}\n}\n';
    expect(nftListRuleset.parse(text).firewall).toBe('off');
  });

  it('does not follow a jump into a chain of the same name in another table', () => {
    const text = [
      'table inet one {', '\tchain input {', '\t\ttype filter hook input priority 0; policy accept;', '\t\tjump deny', '\t}', '}',
      'table inet two {', '\tchain deny {', '\t\tdrop', '\t}', '}',
    ].join('\n');
    expect(nftListRuleset.parse(text).firewall).toBe('off');
  });

  it('does not read braces or verdicts inside comments and strings', () => {
    const text = 'table inet t {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t\ttcp dport 22 accept comment "no drop { here"\n\t}\n}\n';
    expect(nftListRuleset.parse(text)).toMatchObject({ firewall: 'off', detail: { chains: 1, rules: 1 } });
  });
});
