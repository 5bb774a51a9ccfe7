import { describeFixtures } from '../../../../../test/fixtures/posture/linux/cases.ts';
import { clamscan } from './clamscan.ts';

describeFixtures(clamscan, {
  'command-not-found': { detail: { error: 'bash: clamscan: command not found' } },
  'crlf-version': {
    edr: [{ vendor: 'clamav', running: true, detail: 'engine works, signatures loaded' }],
    detail: { engineVersion: '1.4.1', databaseVersion: 27452, databaseDate: 'Wed Nov  6 09:35:03 2024' },
  },
  'database-missing-error': {
    edr: [
      {
        vendor: 'clamav',
        running: false,
        detail: 'LibClamAV Error: cli_loaddbdir(): No supported database files found in /var/lib/clamav',
      },
    ],
    detail: {
      engineVersion: '1.0.7',
      knownViruses: 0,
      scannedFiles: 0,
      infectedFiles: 0,
      error: 'LibClamAV Error: cli_loaddbdir(): No supported database files found in /var/lib/clamav',
    },
  },
  'empty': { detail: { note: 'empty output' } },
  'outdated-database-warning': {
    edr: [
      {
        vendor: 'clamav',
        running: true,
        detail: 'engine works; signature database older than 7 days',
      },
    ],
    detail: {
      engineVersion: '0.103.11',
      databaseVersion: 27001,
      databaseDate: 'Sun Aug 13 07:39:40 2023',
      databaseOutdated: true,
    },
  },
  'scan-infected': {
    edr: [{ vendor: 'clamav', running: true, detail: 'engine works, signatures loaded' }],
    detail: { engineVersion: '1.0.7', knownViruses: 8702245, scannedFiles: 1, infectedFiles: 1 },
  },
  'scan-summary-clean': {
    edr: [{ vendor: 'clamav', running: true, detail: 'engine works, signatures loaded' }],
    detail: { engineVersion: '1.0.7', knownViruses: 8702245, scannedFiles: 2, infectedFiles: 0 },
  },
  'version-no-database': {
    edr: [{ vendor: 'clamav', running: false, detail: 'no signature database loaded' }],
    detail: { engineVersion: '1.0.7' },
  },
  'version-with-database': {
    edr: [{ vendor: 'clamav', running: true, detail: 'engine works, signatures loaded' }],
    detail: { engineVersion: '1.0.7', databaseVersion: 27450, databaseDate: 'Mon Nov  4 09:36:21 2024' },
  },
});
