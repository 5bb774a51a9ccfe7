import { describeFixtures } from './darwin-fixtures.fixture.ts';
import { falconctlStatsParser } from './falconctl-stats.ts';

describeFixtures(falconctlStatsParser, {
  empty: { detail: {} },
  'extra-whitespace-crlf': {
    edr: [
      {
        vendor: 'crowdstrike',
        running: true,
        detail: 'sensor operational, version 7.14.18408.0',
      },
    ],
    detail: { version: '7.14.18408.0', sensorOperational: true },
  },
  'needs-root': { detail: { error: 'falconctl: Operation not permitted, must be run as root' } },
  'not-operational': {
    edr: [
      {
        vendor: 'crowdstrike',
        running: false,
        detail: 'sensor not operational, cloud disconnected, version 7.14.18408.0',
      },
    ],
    detail: {
      version: '7.14.18408.0',
      agentId: '5E0C7A41-92D3-4B7E-8F11-2C6D9A0B3E77',
      cloudHost: 'ts01-b.cloudsink.net',
      cloudState: 'disconnected',
      sensorOperational: false,
    },
  },
  'operational-connected': {
    edr: [
      {
        vendor: 'crowdstrike',
        running: true,
        detail: 'sensor operational, cloud connected, version 7.14.18408.0',
      },
    ],
    detail: {
      version: '7.14.18408.0',
      agentId: '5E0C7A41-92D3-4B7E-8F11-2C6D9A0B3E77',
      cloudHost: 'ts01-b.cloudsink.net',
      cloudState: 'connected',
      sensorOperational: true,
    },
  },
  'operational-disconnected': {
    edr: [
      {
        vendor: 'crowdstrike',
        running: true,
        detail: 'sensor operational, cloud disconnected, version 7.14.18408.0',
      },
    ],
    detail: {
      version: '7.14.18408.0',
      agentId: '5E0C7A41-92D3-4B7E-8F11-2C6D9A0B3E77',
      cloudHost: 'ts01-b.cloudsink.net',
      cloudState: 'disconnected',
      sensorOperational: true,
    },
  },
  'section-banners-no-operational-line': {
    edr: [
      {
        vendor: 'crowdstrike',
        running: true,
        detail: 'sensor operational, cloud connected, version 7.10.18110.0',
      },
    ],
    detail: {
      cloudHost: 'ts01-c.cloudsink.net',
      cloudState: 'connected',
      version: '7.10.18110.0',
      agentId: '9D8C7B6A-5F4E-4D3C-8B2A-190817263544',
    },
  },
  'sensor-not-loaded': {
    edr: [{ vendor: 'crowdstrike', running: false, detail: 'sensor not operational' }],
    detail: { error: 'Error: The sensor has not loaded.' },
  },
});
