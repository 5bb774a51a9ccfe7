import { describeFixtures } from '../../../../../test/fixtures/posture/linux/cases.ts';
import { nftJsonListRuleset } from './nft-json-list-ruleset.ts';

describeFixtures(nftJsonListRuleset, {
  'accept-all': {
    firewall: 'off',
    detail: {
      nftVersion: '1.0.9',
      tables: ['inet filter'],
      chains: 2,
      rules: 1,
      baseChains: [
        'inet filter input: hook input, policy accept',
        'inet filter output: hook output, policy accept',
      ],
      reason: 'input chains accept everything (policy accept, no drop or reject rule)',
    },
  },
  'crlf-vmap-drop': {
    firewall: 'on',
    detail: {
      nftVersion: '1.0.9',
      tables: ['inet filter'],
      chains: 1,
      rules: 1,
      baseChains: ['inet filter input: hook input, policy accept'],
      filteringChains: ['inet filter input'],
    },
  },
  'ct-invalid-drop-only': {
    firewall: 'off',
    detail: {
      nftVersion: '1.0.9',
      tables: ['inet filter'],
      chains: 1,
      rules: 1,
      baseChains: ['inet filter input: hook input, policy accept'],
      reason: 'input chains accept everything (policy accept, no drop or reject rule)',
    },
  },
  'empty': { firewall: 'unknown', detail: { note: 'empty output' } },
  'empty-ruleset': {
    firewall: 'off',
    detail: { nftVersion: '1.0.9', tables: [], chains: 0, rules: 0, reason: 'empty ruleset' },
  },
  'error-not-root': { firewall: 'unknown', detail: { error: 'Operation not permitted (you must be root)' } },
  'inet-filter-policy-drop': {
    firewall: 'on',
    detail: {
      nftVersion: '1.0.9',
      tables: ['inet filter'],
      chains: 3,
      rules: 3,
      baseChains: [
        'inet filter input: hook input, policy drop',
        'inet filter forward: hook forward, policy drop',
        'inet filter output: hook output, policy accept',
      ],
      filteringChains: ['inet filter input'],
    },
  },
  'jump-to-reject-chain': {
    firewall: 'on',
    detail: {
      nftVersion: '1.0.9',
      tables: ['ip filter'],
      chains: 2,
      rules: 3,
      baseChains: ['ip filter INPUT: hook input, policy accept'],
      filteringChains: ['ip filter INPUT'],
    },
  },
  'truncated-json': {
    firewall: 'unknown',
    detail: {
      note: 'output not recognised',
      firstLine: '{"nftables": [{"metainfo": {"version": "1.0.9", "release_name": "Old Doc Yak #3", "json_schema_version": 1}}, {"table": {"family": "inet", "name": "filter", "handle": 1}}, {"chain": {"family": "inet",…',
    },
  },
});
