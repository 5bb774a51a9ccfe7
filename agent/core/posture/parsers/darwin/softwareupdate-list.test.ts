import { describeFixtures } from './darwin-fixtures.fixture.ts';
import { softwareupdateListParser } from './softwareupdate-list.ts';

describeFixtures(softwareupdateListParser, {
  'beta-only': {
    pendingUpdates: 0,
    pendingSecurityUpdates: 0,
    detail: {
      updates: [
        {
          label: 'macOS Sonoma 14.5 beta 2-23F5059e',
          title: 'macOS Sonoma 14.5 beta 2',
          version: '14.5',
          recommended: true,
          restartRequired: true,
          beta: true,
          security: false,
        },
      ],
      betaUpdates: 1,
    },
  },
  'crlf-extra-whitespace': {
    pendingUpdates: 1,
    pendingSecurityUpdates: 0,
    detail: {
      updates: [
        {
          label: 'Command Line Tools for Xcode-15.3',
          title: 'Command Line Tools for Xcode',
          version: '15.3',
          recommended: true,
          restartRequired: false,
          security: false,
        },
      ],
    },
  },
  empty: { detail: {} },
  'error-cannot-connect': { detail: { error: 'Software Update can’t connect to the update server.' } },
  'found-header-only-truncated': { detail: { reason: 'update list announced but empty' } },
  'legacy-format-high-sierra': {
    pendingUpdates: 3,
    pendingSecurityUpdates: 1,
    detail: {
      updates: [
        {
          label: 'Security Update 2019-001-10.13.6',
          title: 'Security Update 2019-001',
          version: '10.13.6',
          recommended: true,
          restartRequired: true,
          security: true,
        },
        {
          label: 'Safari12.0.3HighSierraAuto-12.0.3',
          title: 'Safari',
          version: '12.0.3',
          recommended: true,
          restartRequired: false,
          security: false,
        },
        {
          label: 'iTunesX-12.8.2',
          title: 'iTunes',
          version: '12.8.2',
          recommended: false,
          restartRequired: false,
          security: false,
        },
      ],
    },
  },
  'no-updates': { pendingUpdates: 0, pendingSecurityUpdates: 0, detail: {} },
  'os-point-release': {
    pendingUpdates: 1,
    pendingSecurityUpdates: 0,
    detail: {
      updates: [
        {
          label: 'macOS Sonoma 14.4.1-23E224',
          title: 'macOS Sonoma 14.4.1',
          version: '14.4.1',
          recommended: true,
          restartRequired: true,
          security: false,
        },
      ],
    },
  },
  'security-and-data-updates': {
    pendingUpdates: 4,
    pendingSecurityUpdates: 3,
    detail: {
      updates: [
        {
          label: 'macOS Monterey Security Update 2024-003-21H1123',
          title: 'macOS Monterey Security Update 2024-003',
          version: '12.7.5',
          recommended: true,
          restartRequired: true,
          security: true,
        },
        {
          label: 'Safari17.5MontereyAuto-17.5',
          title: 'Safari',
          version: '17.5',
          recommended: true,
          restartRequired: false,
          security: false,
        },
        {
          label: 'XProtectPlistConfigData_10_15-2192',
          title: 'XProtectPlistConfigData',
          version: '2192',
          recommended: true,
          restartRequired: false,
          security: true,
        },
        {
          label: 'MRTConfigData_10_15-1.93',
          title: 'MRTConfigData',
          version: '1.93',
          recommended: true,
          restartRequired: false,
          security: true,
        },
      ],
    },
  },
  'security-response-and-background-improvement': {
    pendingUpdates: 2,
    pendingSecurityUpdates: 2,
    detail: {
      updates: [
        {
          label: 'macOS Ventura 13.4.1 (c)-22F770820d',
          title: 'macOS Ventura 13.4.1 (c)',
          version: '13.4.1 (c)',
          recommended: true,
          restartRequired: true,
          security: true,
        },
        {
          label: 'Background Security Improvement-25B78a',
          title: 'Background Security Improvement',
          version: '26.1 (a)',
          recommended: true,
          restartRequired: false,
          security: true,
        },
      ],
    },
  },
  'unrecognized-language': { detail: { unrecognized: 'Softwareaktualisierung' } },
});
