import { describe, expect, it } from 'vitest';
import type { CidrBlock } from '../../config/index.ts';
import { parseCidr } from '../cidr.ts';
import { checkSourceCidr } from './source-cidr.ts';

function blocks(...texts: string[]): CidrBlock[] {
  return texts.map((text) => {
    const parsed = parseCidr(text);
    if (!parsed.ok) throw new Error(parsed.expected);
    return parsed.value;
  });
}

const OFFICE = blocks('10.0.0.0/8', '2001:db8:1::/48');

describe('checkSourceCidr', () => {
  it('passes an IPv4 source inside a block', () => {
    expect(checkSourceCidr('10.20.30.40', OFFICE)).toEqual({ pass: true, reasons: [], data: { source: '10.20.30.40', matched: '10.0.0.0/8' } });
  });

  it('fails a source outside every block', () => {
    expect(checkSourceCidr('203.0.113.9', OFFICE)).toEqual({
      pass: false,
      reasons: ['source-not-allowed'],
      data: { source: '203.0.113.9', matched: null },
    });
  });

  it('treats an IPv4-mapped IPv6 source (dual-stack sockets) as its IPv4 address', () => {
    expect(checkSourceCidr('::ffff:10.1.2.3', OFFICE)).toEqual({ pass: true, reasons: [], data: { source: '10.1.2.3', matched: '10.0.0.0/8' } });
    expect(checkSourceCidr('::FFFF:a01:203', OFFICE).data).toEqual({ source: '10.1.2.3', matched: '10.0.0.0/8' });
    expect(checkSourceCidr('::ffff:11.1.2.3', OFFICE).pass).toBe(false);
  });

  it('matches IPv6 sources, dropping a zone id', () => {
    expect(checkSourceCidr('2001:DB8:1:ffff::7%eth0', OFFICE)).toEqual({
      pass: true,
      reasons: [],
      data: { source: '2001:db8:1:ffff::7', matched: '2001:db8:1::/48' },
    });
    expect(checkSourceCidr('2001:db8:2::7', OFFICE).pass).toBe(false);
  });

  it('never matches across families', () => {
    expect(checkSourceCidr('::a00:1', OFFICE).pass).toBe(false); // IPv4-compatible (deprecated), not mapped
    expect(checkSourceCidr('10.0.0.1', blocks('::/0')).pass).toBe(false);
    expect(checkSourceCidr('::1', blocks('0.0.0.0/0')).pass).toBe(false);
  });

  it('fails closed on a source that is not an IP address', () => {
    for (const source of ['', 'localhost', '10.0.0.256', '10.0.0.1:443']) {
      expect(checkSourceCidr(source, OFFICE)).toEqual({ pass: false, reasons: ['source-not-allowed'], data: { source: null, matched: null } });
    }
  });
});
