import { describeFixtures } from '../../../../../test/fixtures/posture/linux/cases.ts';
import { describe, expect, it } from 'vitest';
import { aptHistoryLog } from './apt-history-log.ts';

describeFixtures(aptHistoryLog, {
  'crlf-unattended-upgrades': {
    lastUpdateAt: '2025-02-11T06:29:06',
    detail: {
      transactions: 2,
      newestTransactionAt: '2025-02-11T06:29:06',
      lastUpdateCommandline: '/usr/bin/unattended-upgrade',
      lastUpdateInstalled: 0,
      lastUpdateUpgraded: 1,
      timeZone: 'local time of the machine (apt writes no zone)',
    },
  },
  'empty-after-rotation': { detail: { note: 'empty log: no apt transaction since the last rotation' } },
  'failed-upgrade': {
    lastUpdateAt: '2024-09-02T12:00:09',
    detail: {
      transactions: 2,
      failedTransactions: 1,
      lastError: 'Sub-process /usr/bin/dpkg returned an error code (1)',
      newestTransactionAt: '2024-09-30T12:10:52',
      lastUpdateCommandline: 'apt-get -y upgrade',
      lastUpdateInstalled: 0,
      lastUpdateUpgraded: 1,
      timeZone: 'local time of the machine (apt writes no zone)',
    },
  },
  'newest-is-removal': {
    lastUpdateAt: '2024-10-01T08:00:30',
    detail: {
      transactions: 3,
      newestTransactionAt: '2024-10-21T10:02:02',
      lastUpdateCommandline: 'apt full-upgrade -y',
      lastUpdateInstalled: 0,
      lastUpdateUpgraded: 1,
      timeZone: 'local time of the machine (apt writes no zone)',
    },
  },
  'not-a-history-log': {
    detail: { note: 'output not recognised', firstLine: '2024-11-18 17:41:02 startup archives unpack' },
  },
  'only-removals': {
    detail: {
      transactions: 1,
      newestTransactionAt: '2025-01-03T14:20:40',
      timeZone: 'local time of the machine (apt writes no zone)',
      note: 'no transaction in this log installed or upgraded a package',
    },
  },
  'upgrades-and-installs': {
    lastUpdateAt: '2024-11-18T17:42:57',
    detail: {
      transactions: 3,
      newestTransactionAt: '2024-11-18T17:42:57',
      lastUpdateCommandline: 'apt upgrade',
      lastUpdateInstalled: 2,
      lastUpdateUpgraded: 3,
      timeZone: 'local time of the machine (apt writes no zone)',
    },
  },
});

describe('apt-history-log stanzas', () => {
  it('counts a stanza whose Start-Date was cut off by the paste', () => {
    const text = 'Upgrade: curl:amd64 (8.5.0-2ubuntu10.4, 8.5.0-2ubuntu10.5)\nEnd-Date: 2024-11-18  17:42:57\n';
    expect(aptHistoryLog.parse(text).lastUpdateAt).toBe('2024-11-18T17:42:57');
  });

  it('skips an End-Date that is not a calendar date', () => {
    const text = 'Start-Date: 2024-02-30  10:00:00\nUpgrade: a:amd64 (1, 2)\nEnd-Date: 2024-02-30  10:00:05\n';
    expect(aptHistoryLog.parse(text).lastUpdateAt).toBeUndefined();
  });
});
