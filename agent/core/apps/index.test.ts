import { describe, expect, it } from 'vitest';
import { REASONS } from '../../../shared/reasons.ts';
import { appVerdict, MAX_APP_TEXT } from './index.ts';

describe('appVerdict (reading /v1/me/apps defensively)', () => {
  it('keeps the proxy\'s verdict, reasons and remediation', () => {
    expect(appVerdict({ id: 'wiki', name: 'Wiki', protocol: 'http', allowed: false, reasons: ['disk-unencrypted'], remediation: ['Turn on disk encryption.'] })).toEqual({
      id: 'wiki',
      name: 'Wiki',
      protocol: 'http',
      allowed: false,
      reasons: ['disk-unencrypted'],
      remediation: ['Turn on disk encryption.'],
      reportOnly: false,
    });
  });

  it('fills remediation from the reason catalogue when an older proxy sends none', () => {
    expect(appVerdict({ id: 'db', allowed: false, reasons: ['firewall-off', 'firewall-off', 'made-up'] })?.remediation).toEqual([REASONS['firewall-off'].remediation]);
  });

  it('refuses what is not an app, and strips control characters and overlong text', () => {
    expect(appVerdict(null)).toBeUndefined();
    expect(appVerdict({ id: 3, allowed: true })).toBeUndefined();
    expect(appVerdict({ id: 'x', allowed: 'yes' })).toBeUndefined();
    const app = appVerdict({ id: 'x', name: `evil\u001b[2J${'n'.repeat(2 * MAX_APP_TEXT)}`, allowed: true, reportOnly: true });
    expect(app?.name.includes('\u001b')).toBe(false);
    expect(app?.name.length).toBe(MAX_APP_TEXT);
    expect(app?.reportOnly).toBe(true);
  });
});
