import { describeFixtures } from './darwin-fixtures.fixture.ts';
import { softwareupdateHistoryParser } from './softwareupdate-history.ts';

describeFixtures(softwareupdateHistoryParser, {
  'ambiguous-order': {
    lastUpdateAt: '2024-03-04T10:00:00',
    detail: {
      installs: 2,
      osUpdates: 2,
      dateOrder: 'ambiguous',
      newestInstall: { name: 'macOS Sonoma 14.4', version: '14.4', installedAt: '2024-03-04T10:00:00' },
      newestOsUpdate: { name: 'macOS Sonoma 14.4', version: '14.4', installedAt: '2024-03-04T10:00:00' },
    },
  },
  'de-dotted': {
    lastUpdateAt: '2024-05-14T07:45:30',
    detail: {
      installs: 2,
      osUpdates: 1,
      dateOrder: 'dmy',
      unreadLines: 1,
      newestInstall: { name: 'MRTConfigData', version: '1.93', installedAt: '2024-06-02T10:00:00' },
      newestOsUpdate: { name: 'macOS Sonoma 14.5', version: '14.5', installedAt: '2024-05-14T07:45:30' },
    },
  },
  'empty-history': { detail: { installs: 0, osUpdates: 0 } },
  empty: { detail: {} },
  error: { detail: { error: 'softwareupdate: Operation not permitted' } },
  'gb-day-first': {
    lastUpdateAt: '2024-03-22T08:30:12',
    detail: {
      installs: 3,
      osUpdates: 2,
      dateOrder: 'dmy',
      newestInstall: {
        name: 'Gatekeeper Compatibility Data',
        version: '258',
        installedAt: '2024-03-25T11:00:00',
      },
      newestOsUpdate: { name: 'macOS Ventura 13.6.6', version: '13.6.6', installedAt: '2024-03-22T08:30:12' },
    },
  },
  'inconsistent-dates': {
    detail: {
      installs: 2,
      osUpdates: 2,
      dateOrder: 'conflict',
      reason: 'dates read neither day-first nor month-first consistently',
    },
  },
  'ja-year-first': {
    lastUpdateAt: '2024-01-23T12:05:11',
    detail: {
      installs: 2,
      osUpdates: 2,
      dateOrder: 'ymd',
      newestInstall: { name: 'macOS Sonoma 14.3', version: '14.3', installedAt: '2024-01-23T12:05:11' },
      newestOsUpdate: { name: 'macOS Sonoma 14.3', version: '14.3', installedAt: '2024-01-23T12:05:11' },
    },
  },
  'only-background-data': {
    detail: {
      installs: 2,
      osUpdates: 0,
      dateOrder: 'mdy',
      newestInstall: { name: 'XProtectPlistConfigData', version: '2193', installedAt: '2024-05-14T03:12:10' },
      reason: 'no operating-system update in the history',
    },
  },
  'security-update-older-os': {
    lastUpdateAt: '2022-08-30T14:22:01',
    detail: {
      installs: 2,
      osUpdates: 1,
      dateOrder: 'mdy',
      newestInstall: {
        name: 'Command Line Tools for Xcode',
        version: '12.4',
        installedAt: '2022-09-12T16:40:00',
      },
      newestOsUpdate: {
        name: 'Security Update 2022-005 Catalina',
        version: '10.15.7',
        installedAt: '2022-08-30T14:22:01',
      },
    },
  },
  'twelve-hour-clock': {
    lastUpdateAt: '2024-04-15T17:32:40',
    detail: {
      installs: 2,
      osUpdates: 2,
      dateOrder: 'mdy',
      newestInstall: { name: 'macOS Sonoma 14.4.1', version: '14.4.1', installedAt: '2024-04-15T17:32:40' },
      newestOsUpdate: { name: 'macOS Sonoma 14.4.1', version: '14.4.1', installedAt: '2024-04-15T17:32:40' },
    },
  },
  'us-month-first': {
    lastUpdateAt: '2024-04-02T18:40:55',
    detail: {
      installs: 4,
      osUpdates: 2,
      dateOrder: 'mdy',
      newestInstall: { name: 'XProtectPlistConfigData', version: '2193', installedAt: '2024-05-14T03:12:09' },
      newestOsUpdate: { name: 'macOS Sonoma 14.4.1', version: '14.4.1', installedAt: '2024-04-02T18:40:55' },
    },
  },
});
