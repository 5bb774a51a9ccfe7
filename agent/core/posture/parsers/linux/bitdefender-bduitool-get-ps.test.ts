import { describeFixtures } from '../../../../../test/fixtures/posture/linux/cases.ts';
import { bitdefenderBduitoolGetPs } from './bitdefender-bduitool-get-ps.ts';

describeFixtures(bitdefenderBduitoolGetPs, {
  'antimalware-off-updates-available': {
    edr: [{ vendor: 'bitdefender', running: false, detail: 'antimalware Off' }],
    detail: {
      productVersion: '7.0.3.2239',
      productUpToDate: false,
      enginesVersion: '7.95171',
      signaturesUpToDate: false,
      lastSecurityContentUpdate: '2024-06-10 at 09:20:02 GMT+2',
      features: { Antimalware: 'Off', NetworkMonitor: 'Off' },
    },
  },
  'antimalware-on': {
    edr: [{ vendor: 'bitdefender', running: true, detail: 'antimalware On' }],
    detail: {
      productVersion: '7.0.3.2306',
      productUpToDate: true,
      enginesVersion: '7.98432',
      signaturesUpToDate: true,
      lastSecurityContentUpdate: '2024-11-04 at 10:40:51 GMT+1',
      features: { Antimalware: 'On', NetworkMonitor: 'On' },
    },
  },
  'crlf-antimalware-on': {
    edr: [{ vendor: 'bitdefender', running: true, detail: 'antimalware On' }],
    detail: {
      productVersion: '7.0.3.2306',
      productUpToDate: true,
      signaturesUpToDate: true,
      features: { Antimalware: 'On' },
    },
  },
  'empty': { detail: { note: 'empty output' } },
  'missing-library': {
    detail: {
      error: '/opt/bitdefender-security-tools/bin/bduitool: error while loading shared libraries: libbdcore.so: cannot open shared object file: No such file or directory',
    },
  },
});
