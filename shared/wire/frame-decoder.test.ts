import { describe, expect, it } from 'vitest';
import { ZerogateError } from '../errors.ts';
import { FrameType, HEADER_SIZE } from './constants.ts';
import { encodeData } from './encode.ts';
import type { DataFrame } from './frame.ts';
import { FrameDecoder } from './frame-decoder.ts';
import {
  decodeOutcome,
  fromHex,
  GOLDEN_FRAMES,
  INVALID_FRAMES,
  type Outcome,
  outcome,
  thrown,
} from './golden-frames.fixture.ts';
import { DEFAULT_LIMITS, validateLimits, type WireLimits } from './limits.ts';

/** Feeds `pieces` to a decoder and ends the message; a wire error from any call is the outcome. */
function feed(decoder: FrameDecoder, pieces: readonly Uint8Array[]): Outcome {
  return outcome(() => {
    for (const piece of pieces) decoder.push(piece);
    return decoder.end();
  });
}

/** `message` cut at each of `cuts` (ascending offsets). */
function cut(message: Uint8Array, ...cuts: number[]): Uint8Array[] {
  const bounds = [0, ...cuts, message.length];
  return bounds.slice(1).map((end, i) => message.subarray(bounds[i], end));
}

function expectWireError(fn: () => unknown, code: string): void {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(ZerogateError);
  expect(error).toMatchObject({ code, closeCode: 1002 });
}

describe('golden frames in pieces', () => {
  const decoder = new FrameDecoder();

  it.each(GOLDEN_FRAMES.map((golden) => [golden.name, golden] as const))(
    '%s: split at every byte boundary, in three pieces at every pair, and byte by byte',
    (_name, golden) => {
      const message = fromHex(golden.hex);
      const expected = { frame: golden.frame };
      for (let i = 0; i <= message.length; i++) {
        expect(feed(decoder, cut(message, i)), `split at ${i}`).toEqual(expected);
      }
      for (let i = 0; i <= message.length; i++) {
        for (let j = i; j <= message.length; j++) {
          expect(feed(decoder, cut(message, i, j)), `split at ${i} and ${j}`).toEqual(expected);
        }
      }
      const bytes = Array.from(message, (_byte, i) => message.subarray(i, i + 1));
      expect(feed(decoder, bytes)).toEqual(expected);
    },
  );

  it.each(INVALID_FRAMES.map((invalid) => [invalid.name, invalid] as const))(
    '%s: split at every byte boundary gives the same code as decodeFrame',
    (_name, invalid) => {
      const message = fromHex(invalid.hex);
      for (let i = 0; i <= message.length; i++) {
        expect(feed(decoder, cut(message, i)), `split at ${i}`).toEqual({ code: invalid.code });
      }
    },
  );
});

describe('FrameDecoder', () => {
  it('returns DATA from a single chunk as a view into that chunk', () => {
    const decoder = new FrameDecoder();
    const message = encodeData(3, new Uint8Array([1, 2, 3]));
    decoder.push(message);
    const frame = decoder.end() as DataFrame;
    expect(frame.data.buffer).toBe(message.buffer);
    expect(frame.data.byteOffset).toBe(HEADER_SIZE);
  });

  it('joins DATA from several chunks into one copy', () => {
    const decoder = new FrameDecoder();
    const message = encodeData(3, new Uint8Array([1, 2, 3]));
    for (const piece of cut(message, 2, 6)) decoder.push(piece);
    expect(decoder.buffered).toBe(message.length);
    const frame = decoder.end() as DataFrame;
    expect(frame.data.buffer).not.toBe(message.buffer);
    expect(Array.from(frame.data)).toEqual([1, 2, 3]);
    expect(decoder.buffered).toBe(0);
  });

  it('ignores empty chunks', () => {
    const decoder = new FrameDecoder();
    const message = fromHex('06 00000001');
    decoder.push(new Uint8Array(0));
    decoder.push(message);
    decoder.push(new Uint8Array(0));
    expect(decoder.end()).toEqual({ type: FrameType.FIN, stream: 1 });
  });

  it('reports an empty message as truncated', () => {
    expectWireError(() => new FrameDecoder().end(), 'ZG_ERR_WIRE_TRUNCATED');
  });

  it('rejects an unknown type on the first byte, keeping nothing', () => {
    const decoder = new FrameDecoder();
    expectWireError(() => decoder.push(fromHex('99')), 'ZG_ERR_WIRE_UNKNOWN_TYPE');
    expect(decoder.buffered).toBe(0);
  });

  it('rejects a bad stream as soon as the fifth byte arrives', () => {
    const decoder = new FrameDecoder();
    decoder.push(fromHex('04 0000'));
    decoder.push(fromHex('00'));
    expectWireError(() => decoder.push(fromHex('00')), 'ZG_ERR_WIRE_BAD_STREAM');
    expect(decoder.buffered).toBe(0);
  });

  it('rejects a payload over the limit as soon as it goes over, without keeping that chunk', () => {
    const limits = validateLimits({ maxFramePayload: 10 });
    const decoder = new FrameDecoder(limits);
    decoder.push(fromHex('04 00000001'));
    decoder.push(new Uint8Array(10));
    expect(decoder.buffered).toBe(HEADER_SIZE + 10);
    expectWireError(() => decoder.push(new Uint8Array(1)), 'ZG_ERR_WIRE_FRAME_TOO_LARGE');
    expect(decoder.buffered).toBe(0);
  });

  it('never buffers more than the default DATA limit plus the header', () => {
    const decoder = new FrameDecoder();
    decoder.push(fromHex('04 00000001'));
    const piece = new Uint8Array(1000);
    let error: unknown;
    for (let i = 0; i < 1000 && error === undefined; i++) {
      try {
        decoder.push(piece);
      } catch (caught) {
        error = caught;
      }
      expect(decoder.buffered).toBeLessThanOrEqual(HEADER_SIZE + DEFAULT_LIMITS.maxFramePayload);
    }
    expect(error).toMatchObject({ code: 'ZG_ERR_WIRE_FRAME_TOO_LARGE', closeCode: 1002 });
  });

  it('applies the limit of each type', () => {
    const limits = validateLimits({ maxJsonPayload: 4, maxControlPayload: 6 });
    const cases: [string, number, string][] = [
      ['01 00000001', 4, 'ZG_ERR_WIRE_FRAME_TOO_LARGE'],
      ['03 00000001', 4, 'ZG_ERR_WIRE_FRAME_TOO_LARGE'],
      ['07 00000001', 4, 'ZG_ERR_WIRE_FRAME_TOO_LARGE'],
      ['10 00000000', 6, 'ZG_ERR_WIRE_FRAME_TOO_LARGE'],
      ['05 00000001', 4, 'ZG_ERR_WIRE_BAD_PAYLOAD'],
      ['02 00000001', 0, 'ZG_ERR_WIRE_BAD_PAYLOAD'],
      ['06 00000001', 0, 'ZG_ERR_WIRE_BAD_PAYLOAD'],
    ];
    for (const [header, max, code] of cases) {
      const decoder = new FrameDecoder(limits);
      decoder.push(fromHex(header));
      if (max > 0) decoder.push(new Uint8Array(max).fill(0x20));
      expectWireError(() => decoder.push(new Uint8Array(1)), code);
    }
  });

  it('is reusable after end(), after an error and after reset()', () => {
    const decoder = new FrameDecoder();
    const fin = fromHex('06 00000001');
    decoder.push(fin);
    expect(decoder.end()).toEqual({ type: FrameType.FIN, stream: 1 });
    expectWireError(() => decoder.push(fromHex('00')), 'ZG_ERR_WIRE_UNKNOWN_TYPE');
    decoder.push(fin);
    expect(decoder.end()).toEqual({ type: FrameType.FIN, stream: 1 });
    decoder.push(fromHex('04 0000'));
    decoder.reset();
    expect(decoder.buffered).toBe(0);
    decoder.push(fin);
    expect(decoder.end()).toEqual({ type: FrameType.FIN, stream: 1 });
    decoder.push(fromHex('04 00000001'));
    expectWireError(() => decoder.end(), 'ZG_ERR_WIRE_BAD_PAYLOAD');
    decoder.push(fin);
    expect(decoder.end()).toEqual({ type: FrameType.FIN, stream: 1 });
  });

  it('gives the same outcome as decodeFrame for a header split inside the stream id', () => {
    const limits: WireLimits = validateLimits({ maxFramePayload: 2 });
    const message = fromHex('04 00000000 010203');
    expect(feed(new FrameDecoder(limits), cut(message, 3))).toEqual(decodeOutcome(message, limits));
  });

  it('throws TypeError for a chunk that is not a Uint8Array and for invalid limits', () => {
    expect(() => new FrameDecoder().push('04' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => new FrameDecoder({ ...DEFAULT_LIMITS, maxStreams: 0 })).toThrow(TypeError);
  });
});
