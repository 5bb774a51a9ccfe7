/**
 * Property test of the streaming WebSocket frame reader (shared/mux/ws-reader.ts), a parser of
 * untrusted bytes on both ends of the tunnel: whatever the bytes and however they are split, it
 * never throws, gives the same result, never hands out more than it was given, and never
 * buffers a message above its limit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WsFrameReader } from '../../shared/mux/ws-reader.ts';
import { encodeData, encodeWindow } from '../../shared/wire/index.ts';

const MAX_MESSAGE = 4096;

function run(input: Uint8Array, cuts: number[]): { log: string[]; bytesOut: number; largest: number } {
  const log: string[] = [];
  let bytesOut = 0;
  let largest = 0;
  const reader = new WsFrameReader(
    {
      data: (stream, piece, first, length) => {
        bytesOut += piece.length;
        log.push(`d${stream}:${first ? `F${length}` : ''}`, ...Array.from(piece, (b) => `${b}`));
      },
      frame: (message) => {
        bytesOut += message.length;
        largest = Math.max(largest, message.length);
        log.push(`f${Buffer.from(message).toString('hex')}`);
      },
      passthrough: (bytes) => {
        bytesOut += bytes.length;
        log.push(...Array.from(bytes, (b) => `p${b}`));
      },
    },
    MAX_MESSAGE,
  );
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < input.length)].sort((a, b) => a - b).concat(input.length)) {
    reader.push(input.subarray(at, cut));
    at = cut;
  }
  // Consecutive pieces of one DATA frame may be split differently; compare the bytes, not the calls.
  return { log: log.filter((e) => !/^d\d+:$/.test(e)), bytesOut, largest };
}

/** Plausible frames (ours and others) glued together, then mutated: the bytes a peer might send. */
const wsFrame = (payload: Uint8Array, b0: number, mask: number[] | undefined) => {
  const len = payload.length;
  const head = len < 126 ? [b0, (mask ? 0x80 : 0) | len] : [b0, (mask ? 0x80 : 0) | 126, len >>> 8, len & 0xff];
  return Uint8Array.from([...head, ...(mask ?? []), ...payload]);
};
const frameArb = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 3000 }).map((d) => wsFrame(encodeData(1 + (d[0]! % 3), d), 0x82, undefined)),
  fc.uint8Array({ minLength: 1, maxLength: 300 }).map((d) => wsFrame(encodeData(2, d), 0x82, [0, 0, 0, 0])),
  fc.integer({ min: 1, max: 1000 }).map((n) => wsFrame(encodeWindow(1, n), 0x82, undefined)),
  fc.tuple(fc.integer({ min: 0, max: 15 }), fc.uint8Array({ maxLength: 125 })).map(([op, d]) => wsFrame(d, 0x80 | op, undefined)),
  fc.uint8Array({ maxLength: 64 }),
);
const streamArb = fc
  .tuple(fc.array(frameArb, { maxLength: 8 }), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 6 }))
  .map(([frames, flips]) => {
    const bytes = Uint8Array.from(frames.flatMap((f) => [...f]));
    for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
    return bytes;
  });

describe('WsFrameReader on arbitrary input', () => {
  it('never throws, is independent of how the bytes are split, never outputs more than it got, and never buffers above its limit', () => {
    fc.assert(
      fc.property(streamArb, fc.array(fc.nat(), { maxLength: 10 }), (input, cuts) => {
        const whole = run(input, []);
        const split = run(input, cuts.map((c) => (input.length === 0 ? 0 : c % input.length)));
        expect(split.log).toEqual(whole.log);
        expect(whole.bytesOut).toBeLessThanOrEqual(input.length);
        expect(whole.largest).toBeLessThanOrEqual(MAX_MESSAGE);
      }),
      { numRuns: 300 },
    );
  });
});
