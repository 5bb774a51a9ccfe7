import { describe, expect, it } from 'vitest';
import { ZerogateError } from '../errors.ts';
import { FrameType, HEADER_SIZE } from './constants.ts';
import { decodeFrame } from './decode.ts';
import { encodeControl, encodeData, encodeRst } from './encode.ts';
import type { DataFrame, Frame } from './frame.ts';
import { fromHex, GOLDEN_FRAMES, INVALID_FRAMES, thrown, toHex } from './golden-frames.fixture.ts';
import { DEFAULT_LIMITS, validateLimits, type WireLimits } from './limits.ts';

const utf8 = new TextEncoder();

/** A frame of `type` on `stream` with `payload` (bytes or text). */
function frame(type: number, stream: number, payload: Uint8Array | string = new Uint8Array(0)): Uint8Array {
  const body = typeof payload === 'string' ? utf8.encode(payload) : payload;
  const out = new Uint8Array(HEADER_SIZE + body.length);
  out[0] = type;
  new DataView(out.buffer).setUint32(1, stream);
  out.set(body, HEADER_SIZE);
  return out;
}

/** Asserts that decoding throws a wire error with `code` and close code 1002; returns it. */
function expectWireError(message: Uint8Array, code: string, limits?: WireLimits): ZerogateError {
  const error = thrown(() => decodeFrame(message, limits));
  expect(error).toBeInstanceOf(ZerogateError);
  expect(error).toMatchObject({ code, closeCode: 1002 });
  return error as ZerogateError;
}

function nest(levels: number): string {
  return `${'['.repeat(levels)}1${']'.repeat(levels)}`;
}

describe('golden frames', () => {
  it.each(GOLDEN_FRAMES.map((golden) => [golden.name, golden] as const))('decodes %s', (_name, golden) => {
    expect(decodeFrame(fromHex(golden.hex))).toEqual(golden.frame);
  });

  it.each(INVALID_FRAMES.map((invalid) => [invalid.name, invalid] as const))('rejects %s', (_name, invalid) => {
    expectWireError(fromHex(invalid.hex), invalid.code);
  });
});

describe('DATA', () => {
  it('returns a view into the message, not a copy', () => {
    const backing = new Uint8Array(64);
    const message = backing.subarray(10, 10 + 8);
    message.set(fromHex('04 00000001 aabbcc'));
    const decoded = decodeFrame(message) as DataFrame;
    expect(decoded.data.buffer).toBe(backing.buffer);
    expect(decoded.data.byteOffset).toBe(10 + HEADER_SIZE);
    expect(toHex(decoded.data)).toBe('aabbcc');
  });

  it('accepts exactly maxFramePayload and refuses one byte more', () => {
    const limits = validateLimits({ maxFramePayload: 16 });
    expect(decodeFrame(frame(FrameType.DATA, 1, new Uint8Array(16)), limits)).toMatchObject({ stream: 1 });
    expectWireError(frame(FrameType.DATA, 1, new Uint8Array(17)), 'ZG_ERR_WIRE_FRAME_TOO_LARGE', limits);
    expectWireError(
      frame(FrameType.DATA, 1, new Uint8Array(DEFAULT_LIMITS.maxFramePayload + 1)),
      'ZG_ERR_WIRE_FRAME_TOO_LARGE',
    );
  });

  it('accepts a Buffer-like subclass of Uint8Array', () => {
    class Chunk extends Uint8Array {}
    const message = new Chunk(fromHex('04 00000002 01'));
    expect(decodeFrame(message)).toMatchObject({ type: FrameType.DATA, stream: 2 });
  });
});

describe('limits on JSON payloads', () => {
  it('checks the size before parsing', () => {
    // Not even JSON, but too large: the size is what is reported.
    const limits = validateLimits({ maxJsonPayload: 8, maxControlPayload: 8 });
    expectWireError(frame(FrameType.OPEN, 1, 'x'.repeat(9)), 'ZG_ERR_WIRE_FRAME_TOO_LARGE', limits);
    expectWireError(frame(FrameType.OPEN_FAIL, 1, 'x'.repeat(9)), 'ZG_ERR_WIRE_FRAME_TOO_LARGE', limits);
    expectWireError(frame(FrameType.RST, 1, 'x'.repeat(9)), 'ZG_ERR_WIRE_FRAME_TOO_LARGE', limits);
    expectWireError(frame(FrameType.CONTROL, 0, 'x'.repeat(9)), 'ZG_ERR_WIRE_FRAME_TOO_LARGE', limits);
  });

  it('applies maxControlPayload to CONTROL and maxJsonPayload to the others', () => {
    const limits = validateLimits({ maxJsonPayload: 20, maxControlPayload: 40 });
    const control = encodeControl({ type: 'notice', m: 'a'.repeat(16) }); // 40 bytes of JSON
    expect(decodeFrame(control, limits)).toMatchObject({ type: FrameType.CONTROL });
    expectWireError(control, 'ZG_ERR_WIRE_FRAME_TOO_LARGE', validateLimits({ maxControlPayload: 39 }));
    expectWireError(frame(FrameType.OPEN, 1, `{"app":"${'a'.repeat(13)}"}`), 'ZG_ERR_WIRE_FRAME_TOO_LARGE', limits);
  });

  it('rejects JSON nested deeper than 32 levels, however deep', () => {
    expect(decodeFrame(frame(FrameType.CONTROL, 0, `{"type":"t","d":${nest(31)}}`))).toMatchObject({
      type: FrameType.CONTROL,
    });
    expectWireError(frame(FrameType.CONTROL, 0, `{"type":"t","d":${nest(32)}}`), 'ZG_ERR_WIRE_BAD_PAYLOAD');
    // 30 000 levels fill the 64 KiB limit: no stack overflow, just a coded error.
    expectWireError(frame(FrameType.CONTROL, 0, `{"type":"t","d":${nest(30_000)}}`), 'ZG_ERR_WIRE_BAD_PAYLOAD');
  });
});

describe('OPEN', () => {
  it('returns no target key when the payload has none', () => {
    expect(Object.keys(decodeFrame(frame(FrameType.OPEN, 1, '{"app":"wiki"}')))).toEqual(['type', 'stream', 'app']);
  });

  it.each([
    ['an app of 128 characters', `{"app":"${'a'.repeat(128)}"}`],
    ['whitespace around JSON tokens', ' { "app" : "wiki" , "target" : "wiki:80" } '],
    ['JSON escapes', '{"app":"\\u0077iki"}'],
  ])('accepts %s', (_name, json) => {
    expect(decodeFrame(frame(FrameType.OPEN, 1, json))).toMatchObject({ type: FrameType.OPEN });
  });

  it.each([
    ['an app of 129 characters', `{"app":"${'a'.repeat(129)}"}`],
    ['an empty app', '{"app":""}'],
    ['a missing app', '{"target":"db:1"}'],
    ['a numeric app', '{"app":7}'],
    ['a null target', '{"app":"db","target":null}'],
    ['an IPv6 target without brackets', '{"app":"db","target":"::1:22"}'],
    ['null', 'null'],
    ['a string', '"wiki"'],
    ['a constructor key', '{"app":"wiki","constructor":{}}'],
  ])('rejects %s', (_name, json) => {
    expectWireError(frame(FrameType.OPEN, 1, json), 'ZG_ERR_WIRE_BAD_PAYLOAD');
  });
});

describe('OPEN_FAIL and RST', () => {
  it('returns a problem with exactly code, reasons and message', () => {
    const decoded = decodeFrame(frame(FrameType.RST, 1, '{"message":"m","reasons":["a-b"],"code":"X"}'));
    expect(decoded).toEqual({
      type: FrameType.RST,
      stream: 1,
      problem: { code: 'X', reasons: ['a-b'], message: 'm' },
    });
  });

  it('accepts the largest valid problem within the default limit', () => {
    const largest = {
      code: 'C'.repeat(64),
      reasons: Array.from({ length: 32 }, () => 'r'.repeat(64)),
      message: '\u0000'.repeat(1024),
    };
    expect(decodeFrame(encodeRst(1, largest))).toEqual({ type: FrameType.RST, stream: 1, problem: largest });
  });

  it.each([
    ['an unknown key', '{"code":"X","reasons":[],"message":"","retry":1}'],
    ['33 reasons', JSON.stringify({ code: 'X', reasons: Array(33).fill('r'), message: '' })],
    ['a reason of 65 characters', JSON.stringify({ code: 'X', reasons: ['r'.repeat(65)], message: '' })],
    ['an empty reason', JSON.stringify({ code: 'X', reasons: [''], message: '' })],
    ['a message of 1025 characters', JSON.stringify({ code: 'X', reasons: [], message: 'm'.repeat(1025) })],
    ['a code with a newline', JSON.stringify({ code: 'X\nY', reasons: [], message: '' })],
    ['reasons as an object', '{"code":"X","reasons":{"0":"a"},"message":""}'],
  ])('rejects %s', (_name, json) => {
    expectWireError(frame(FrameType.OPEN_FAIL, 1, json), 'ZG_ERR_WIRE_BAD_PAYLOAD');
    expectWireError(frame(FrameType.RST, 1, json), 'ZG_ERR_WIRE_BAD_PAYLOAD');
  });
});

describe('CONTROL', () => {
  it('passes unknown types and extra fields through', () => {
    expect(decodeFrame(frame(FrameType.CONTROL, 0, '{"type":"future-thing","x":[1,{"y":null}]}'))).toEqual({
      type: FrameType.CONTROL,
      stream: 0,
      message: { type: 'future-thing', x: [1, { y: null }] },
    });
  });

  it.each([
    ['a type not in kebab-case', '{"type":"Posture"}'],
    ['a type of 65 characters', `{"type":"${'a'.repeat(65)}"}`],
    ['a numeric type', '{"type":1}'],
    ['a __proto__ key deep inside', '{"type":"t","a":[{"b":{"__proto__":{"polluted":true}}}]}'],
    ['an escaped __proto__ key', '{"type":"t","\\u005f_proto__":{}}'],
    ['a prototype key', '{"type":"t","prototype":1}'],
    ['an array', '[{"type":"t"}]'],
  ])('rejects %s', (_name, json) => {
    expectWireError(frame(FrameType.CONTROL, 0, json), 'ZG_ERR_WIRE_BAD_PAYLOAD');
  });

  it('does not pollute Object.prototype when a payload tries', () => {
    const json = '{"type":"t","__proto__":{"polluted":true}}';
    expectWireError(frame(FrameType.CONTROL, 0, json), 'ZG_ERR_WIRE_BAD_PAYLOAD');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('errors', () => {
  it('carry the frame type, stream and length, never payload content', () => {
    const error = expectWireError(frame(FrameType.OPEN, 9, '{"app":"secret-token-value!"}'), 'ZG_ERR_WIRE_BAD_PAYLOAD');
    expect(error.detail).toEqual({ frameType: FrameType.OPEN, stream: 9, length: 29 });
    expect(error.message).not.toContain('secret');
    expect(JSON.stringify(error.detail)).not.toContain('secret');
  });

  it('map to HTTP 400 and close code 1002', () => {
    const error = expectWireError(fromHex('ff'), 'ZG_ERR_WIRE_UNKNOWN_TYPE');
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe('unknown frame type 0xff');
  });

  it('every type byte other than the eight defined ones is unknown', () => {
    const defined = new Set<number>(Object.values(FrameType));
    for (let type = 0; type < 256; type++) {
      const message = frame(type, type === FrameType.CONTROL ? 0 : 1);
      if (defined.has(type)) expect(() => decodeFrame(message)).not.toThrow(/unknown/);
      else expectWireError(message, 'ZG_ERR_WIRE_UNKNOWN_TYPE');
    }
  });
});

describe('misuse', () => {
  it('throws TypeError for a message that is not a Uint8Array', () => {
    expect(() => decodeFrame([4, 0, 0, 0, 1, 1] as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => decodeFrame(new ArrayBuffer(6) as unknown as Uint8Array)).toThrow(TypeError);
  });

  it('throws TypeError for limits that are not valid, instead of skipping a check', () => {
    const message = encodeData(1, new Uint8Array(10));
    expect(() => decodeFrame(message, { ...DEFAULT_LIMITS, maxFramePayload: Number.NaN })).toThrow(TypeError);
    expect(() => decodeFrame(message, {} as WireLimits)).toThrow(TypeError);
  });

  it('accepts a complete limits object that did not come from validateLimits', () => {
    const limits: WireLimits = { ...DEFAULT_LIMITS, maxFramePayload: 4 };
    expectWireError(encodeData(1, new Uint8Array(5)), 'ZG_ERR_WIRE_FRAME_TOO_LARGE', limits);
  });
});
