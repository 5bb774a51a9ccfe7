/**
 * The window's proxy addresses are checked by the IPC contract (in the preload, and again in the
 * main process) and then by the CLI's own parser (`zerogate login --proxy`): the contract must
 * never let through what the CLI refuses, and must read what both accept the same way.
 */
import { describe, expect, it } from 'vitest';
import { isZerogateError } from '../../../shared/errors.ts';
import { parseProxyUrls } from '../../core/enroll/index.ts';
import { MAX_PROXY_URLS as CORE_MAX_PROXY_URLS } from '../../core/http/index.ts';
import { BridgeArgumentError, checkProxyUrls, MAX_PROXY_URLS } from '../contract/index.ts';

const many = (n: number) => Array.from({ length: n }, (_, i) => `https://zg${i}.example.com:8443`);

/** The contract's answer: the origins, or 'refused'. */
function contract(entries: string[]): string[] | 'refused' {
  try {
    return checkProxyUrls(entries);
  } catch (error) {
    if (error instanceof BridgeArgumentError) return 'refused';
    throw error;
  }
}

/** The CLI's answer to `--proxy` given once per entry. */
function cli(entries: string[]): string[] | 'refused' {
  try {
    return parseProxyUrls(entries).map((u) => u.origin);
  } catch (error) {
    if (isZerogateError(error, 'ZG_ERR_USAGE')) return 'refused';
    throw error;
  }
}

describe('proxy addresses: the window follows the CLI rules', () => {
  it('has the same bound on the number of addresses', () => {
    expect(MAX_PROXY_URLS).toBe(CORE_MAX_PROXY_URLS);
  });

  it.each([
    [['https://zg.example.com:8443']],
    [['https://zg1.example.com:8443', 'https://zg2.example.com:8443']],
    [['https://zg1.example.com:8443,https://zg2.example.com:8443']],
    [[' https://zg1.example.com:8443/ , , https://ZG2.example.com:8443 ']],
    [['https://zg.example.com:443', 'https://zg.example.com']],
    [['https://10.0.0.1:8443', 'https://[2001:db8::1]:8443']],
    [[many(16).join(',')]],
    [many(16)],
  ])('accepts what the CLI accepts, with the same origins in the same order: %j', (entries) => {
    const expected = cli(entries);
    expect(expected).not.toBe('refused');
    expect(contract(entries)).toEqual(expected);
  });

  it.each([
    [['http://zg.example.com']],
    [['https://u:p@zg.example.com']],
    [['https://zg.example.com/path']],
    [['https://zg.example.com?x=1']],
    [['ftp://zg.example.com']],
    [['javascript:alert(1)']],
    [['zg.example.com:8443']],
    [['https://zg1.example.com', 'https://zg2.example.com/x']],
    [['https://zg1.example.com,http://zg2.example.com']],
    [[many(17).join(',')]],
    [[...many(16), 'https://one-more.example.com']],
  ])('refuses what the CLI refuses: %j', (entries) => {
    expect(cli(entries)).toBe('refused');
    expect(contract(entries)).toBe('refused');
  });

  it('is stricter than the CLI only on what a form cannot need: fragments, overlong URLs, more than 16 fields', () => {
    expect(cli(['https://zg.example.com#x'])).not.toBe('refused');
    expect(contract(['https://zg.example.com#x'])).toBe('refused');
    expect(contract([`https://${'a'.repeat(2100)}.example.com`])).toBe('refused');
    expect(contract(Array.from({ length: 17 }, () => 'https://zg.example.com'))).toBe('refused');
    // An empty list is no list: a device already enrolled keeps its own addresses.
    expect(contract([])).toEqual([]);
    expect(contract([' ', ','])).toEqual([]);
  });
});
