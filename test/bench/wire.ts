/**
 * What the load generator says to the bench upstream. The first byte of a connection picks the
 * mode, so one upstream port (one zerogate app, one stunnel service) serves every figure:
 *
 * - `D` + u64be N: the upstream sends N bytes, then FIN (download throughput).
 * - `P`: the upstream answers one byte `p`, then waits for the client's FIN and closes
 *   (connect-to-first-byte latency and opens per second).
 */

export const OP_DOWNLOAD = 0x44;
export const OP_PING = 0x50;
export const PONG = 0x70;
export const DOWNLOAD_REQUEST_SIZE = 9;

export function downloadRequest(bytes: number): Buffer {
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new TypeError('bytes must be a positive safe integer');
  const out = Buffer.alloc(DOWNLOAD_REQUEST_SIZE);
  out[0] = OP_DOWNLOAD;
  out.writeBigUInt64BE(BigInt(bytes), 1);
  return out;
}

export const PING_REQUEST: Buffer = Buffer.from([OP_PING]);
