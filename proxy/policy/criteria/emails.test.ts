import { describe, expect, it } from 'vitest';
import { decisionInput } from '../test-helpers.ts';
import { checkEmails, emailOf } from './emails.ts';

describe('checkEmails', () => {
  it('admits a listed address, case-insensitively, reporting the entry that matched', () => {
    const { identity } = decisionInput({ identity: { user: 'CTO@Example.com' } });
    expect(checkEmails(identity, ['ops@example.com', 'cto@example.com'])).toEqual({
      pass: true,
      reasons: [],
      data: { email: 'CTO@Example.com', matched: 'cto@example.com' },
    });
  });

  it('refuses an address that is not listed', () => {
    const { identity } = decisionInput();
    expect(checkEmails(identity, ['cto@example.com'])).toEqual({
      pass: false,
      reasons: ['user-not-allowed'],
      data: { email: 'alice@example.com', matched: null },
    });
  });

  it('prefers the verified email over the user id (embedded IdP usernames)', () => {
    const { identity } = decisionInput({ identity: { user: 'alice', email: 'alice@example.com' } });
    expect(emailOf(identity)).toBe('alice@example.com');
    expect(checkEmails(identity, ['alice@example.com']).pass).toBe(true);
  });

  it('refuses a user with no email address at all, without matching the bare user id', () => {
    const { identity } = decisionInput({ identity: { user: 'alice' } });
    expect(checkEmails(identity, ['alice'])).toEqual({ pass: false, reasons: ['user-not-allowed'], data: { email: null, matched: null } });
  });
});
