import { describeFixtures } from '../../../../../test/fixtures/posture/linux/cases.ts';
import { cortexXdrCytoolRuntimeQuery } from './cortex-xdr-cytool-runtime-query.ts';

describeFixtures(cortexXdrCytoolRuntimeQuery, {
  'all-running': {
    edr: [{ vendor: 'cortex', running: true, detail: 'all 4 components up' }],
    detail: { processes: ['pmd Running', 'clad Running', 'dypd Running', 'lted Running'] },
  },
  'crlf-all-running': {
    edr: [{ vendor: 'cortex', running: true, detail: 'all 2 components up' }],
    detail: { processes: ['pmd Running', 'pyxd Running'] },
  },
  'empty': { detail: { note: 'empty output' } },
  'macos-tabs-and-spaced-names': {
    edr: [{ vendor: 'cortex', running: false, detail: 'not running: pmd' }],
    detail: {
      processes: ['cortex xdr Running', 'authorized Running', 'pmd Stopped', 'kproc-ctrl Loaded'],
      stopped: ['pmd'],
    },
  },
  'not-root': { detail: { error: 'cytool: Permission denied. Run as root.' } },
  'one-stopped': {
    edr: [{ vendor: 'cortex', running: false, detail: 'not running: clad' }],
    detail: { processes: ['pmd Running', 'clad Stopped', 'dypd Running'], stopped: ['clad'] },
  },
});
