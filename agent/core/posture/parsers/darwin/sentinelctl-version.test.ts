import { describeFixtures } from './darwin-fixtures.fixture.ts';
import { sentinelctlVersionParser } from './sentinelctl-version.ts';

describeFixtures(sentinelctlVersionParser, {
  current: { detail: { vendor: 'sentinelone', installed: true, version: '23.4.2.14' } },
  empty: { detail: {} },
  'legacy-agent-version': { detail: { vendor: 'sentinelone', installed: true, version: '4.6.11.3107' } },
  'not-installed': {
    detail: {
      error: 'zsh: no such file or directory: /Library/Sentinel/sentinel-agent.bundle/Contents/MacOS/sentinelctl',
    },
  },
});
