import { describeFixtures } from '../../../../../test/fixtures/posture/linux/cases.ts';
import { dnfHistoryList } from './dnf-history-list.ts';

describeFixtures(dnfHistoryList, {
  'command-not-found': { detail: { error: 'bash: dnf: command not found' } },
  'crlf-german': {
    lastUpdateAt: '2025-01-15T07:45:00',
    detail: {
      transactions: 2,
      newestTransactionAt: '2025-01-15T07:45:00',
      lastUpdateId: 18,
      lastUpdateCommandline: 'upgrade',
      lastUpdateActions: 'Upgrade',
      timeZone: 'local time of the machine (dnf prints no zone)',
    },
  },
  'dnf4-newest-is-removal': {
    lastUpdateAt: '2024-11-04T09:14:00',
    detail: {
      transactions: 4,
      newestTransactionAt: '2024-11-06T15:20:00',
      lastUpdateId: 41,
      lastUpdateCommandline: 'upgrade -y',
      lastUpdateActions: 'I, U',
      timeZone: 'local time of the machine (dnf prints no zone)',
    },
  },
  'dnf5': {
    lastUpdateAt: '2024-12-02T08:12:40',
    detail: {
      transactions: 3,
      newestTransactionAt: '2024-12-02T08:12:40',
      lastUpdateId: 7,
      lastUpdateCommandline: 'dnf5 upgrade --refresh -y',
      timeZone: 'local time of the machine (dnf prints no zone)',
    },
  },
  'empty': { detail: { note: 'empty output' } },
  'no-transactions': { detail: { transactions: 0, note: 'no transaction recorded' } },
  'only-removals': {
    detail: {
      transactions: 2,
      newestTransactionAt: '2024-08-14T10:00:00',
      timeZone: 'local time of the machine (dnf prints no zone)',
      note: 'every transaction listed only removed packages',
    },
  },
});
