/**
 * `require.sourceCidrs`: the connection's source address lies in one of the blocks. The source
 * is what the socket reports: an IPv6 zone is dropped and an IPv4-mapped IPv6 address
 * (`::ffff:10.1.2.3`, a dual-stack listener's view of an IPv4 peer) is its IPv4 address. A
 * source that is not an IP address fails closed.
 */

import type { CidrBlock } from '../../config/index.ts';
import { cidrContains, formatIp, parseIp } from '../cidr.ts';
import type { CriterionResult } from '../types.ts';

export function checkSourceCidr(source: string, blocks: readonly CidrBlock[]): CriterionResult {
  const address = parseIp(source, { peer: true });
  if (address === undefined) return { pass: false, reasons: ['source-not-allowed'], data: { source: null, matched: null } };
  const matched = blocks.find((block) => cidrContains(block, address));
  const data = { source: formatIp(address), matched: matched?.cidr ?? null };
  return matched !== undefined ? { pass: true, reasons: [], data } : { pass: false, reasons: ['source-not-allowed'], data };
}
