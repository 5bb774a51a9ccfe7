import { describe, expect, it } from 'vitest';
import { decisionInput } from '../test-helpers.ts';
import { checkUsers } from './users.ts';

describe('checkUsers', () => {
  const { identity } = decisionInput({ identity: { user: 'bob' } });

  it('admits a listed user id', () => {
    expect(checkUsers(identity, ['alice', 'bob'])).toEqual({ pass: true, reasons: [], data: { matched: 'bob' } });
  });

  it('refuses a user id that is not listed, matching exactly (case-sensitive, like apps[].users)', () => {
    expect(checkUsers(identity, ['Bob', 'alice'])).toEqual({ pass: false, reasons: ['user-not-allowed'], data: { matched: null } });
  });
});
