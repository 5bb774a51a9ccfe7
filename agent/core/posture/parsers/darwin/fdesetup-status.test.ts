import { describeFixtures } from './darwin-fixtures.fixture.ts';
import { fdesetupStatusParser } from './fdesetup-status.ts';

describeFixtures(fdesetupStatusParser, {
  contradictory: {
    diskEncryption: 'unknown',
    detail: { conflict: 'both "FileVault is On" and "FileVault is Off"' },
  },
  'crlf-extra-whitespace': { diskEncryption: 'on', detail: { fileVault: 'on' } },
  'decryption-in-progress': {
    diskEncryption: 'off',
    detail: { conversion: 'decryption', percentCompleted: 81, fileVault: 'on' },
  },
  'deferred-enablement': {
    diskEncryption: 'off',
    detail: { deferredEnablement: true, deferredUser: 'jdoe', fileVault: 'off' },
  },
  empty: { diskEncryption: 'unknown', detail: {} },
  'encryption-in-progress': {
    diskEncryption: 'off',
    detail: { conversion: 'encryption', percentCompleted: 37.4, fileVault: 'on' },
  },
  'encryption-paused': {
    diskEncryption: 'off',
    detail: { conversion: 'encryption', paused: true, percentCompleted: 52, fileVault: 'on' },
  },
  error: {
    diskEncryption: 'unknown',
    detail: { error: 'Error: Unable to determine the FileVault status (-69808).' },
  },
  off: { diskEncryption: 'off', detail: { fileVault: 'off' } },
  'on-master-keychain': { diskEncryption: 'on', detail: { masterKeychain: true, fileVault: 'on' } },
  on: { diskEncryption: 'on', detail: { fileVault: 'on' } },
  'pending-restart': { diskEncryption: 'off', detail: { pendingRestart: true, fileVault: 'off' } },
  'unrecognized-language': { diskEncryption: 'unknown', detail: { unrecognized: 'FileVault est activé.' } },
});
