import { describe, expect, it } from 'vitest';
import { decisionInput } from '../test-helpers.ts';
import { checkGroups } from './groups.ts';

describe('checkGroups', () => {
  const { identity } = decisionInput({ identity: { groups: ['staff', 'engineering', 'oncall'] } });

  it('admits a member of a listed group, naming the groups that matched', () => {
    expect(checkGroups(identity, ['engineering', 'oncall', 'engineering'])).toEqual({ pass: true, reasons: [], data: { matched: ['engineering', 'oncall'] } });
  });

  it('refuses a user in none of the groups', () => {
    expect(checkGroups(identity, ['finance'])).toEqual({ pass: false, reasons: ['user-not-allowed'], data: { matched: [] } });
  });

  it('matches exactly: case and whitespace count', () => {
    expect(checkGroups(identity, ['Engineering', ' engineering']).pass).toBe(false);
  });
});
