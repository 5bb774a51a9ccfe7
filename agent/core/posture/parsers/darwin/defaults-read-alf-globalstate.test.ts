import { describeFixtures } from './darwin-fixtures.fixture.ts';
import { defaultsReadAlfGlobalstateParser } from './defaults-read-alf-globalstate.ts';

describeFixtures(defaultsReadAlfGlobalstateParser, {
  'block-all-2': {
    firewall: 'on',
    detail: { globalState: 2, mode: 'on (essential services only, block all incoming)' },
  },
  'extra-whitespace': { firewall: 'on', detail: { globalState: 1, mode: 'on (specific services)' } },
  'missing-key': {
    firewall: 'unknown',
    detail: {
      error: 'The domain/default pair of (/Library/Preferences/com.apple.alf, globalstate) does not exist',
    },
  },
  'not-a-number': { firewall: 'unknown', detail: { unrecognized: 'on' } },
  'off-0': { firewall: 'off', detail: { globalState: 0, mode: 'off' } },
  'on-1': { firewall: 'on', detail: { globalState: 1, mode: 'on (specific services)' } },
  'unexpected-number': { firewall: 'unknown', detail: { globalState: 7 } },
});
