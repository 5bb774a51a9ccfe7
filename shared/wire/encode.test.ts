import { describe, expect, it } from 'vitest';
import { FrameType, HEADER_SIZE } from './constants.ts';
import {
  encodeControl,
  encodeData,
  encodeDataHeader,
  encodeFin,
  encodeFrame,
  encodeOpen,
  encodeOpenFail,
  encodeOpenOk,
  encodeRst,
  encodeWindow,
} from './encode.ts';
import type { ControlMessage, Frame, Problem } from './frame.ts';
import { fromHex, GOLDEN_FRAMES, toHex } from './golden-frames.fixture.ts';
import { DEFAULT_LIMITS, validateLimits } from './limits.ts';

/** `levels` arrays nested in each other around the number 1. */
function nest(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

const problem: Problem = { code: 'ZG_ERR_POLICY_DENIED', reasons: ['mfa-required'], message: 'MFA required' };

/** The specific encoder for a frame, to check it gives the same bytes as encodeFrame. */
function encodeSpecific(frame: Frame): Uint8Array {
  switch (frame.type) {
    case FrameType.OPEN:
      return encodeOpen(frame.stream, frame.target === undefined ? { app: frame.app } : frame);
    case FrameType.OPEN_OK:
      return encodeOpenOk(frame.stream);
    case FrameType.OPEN_FAIL:
      return encodeOpenFail(frame.stream, frame.problem);
    case FrameType.DATA:
      return encodeData(frame.stream, frame.data);
    case FrameType.WINDOW:
      return encodeWindow(frame.stream, frame.increment);
    case FrameType.FIN:
      return encodeFin(frame.stream);
    case FrameType.RST:
      return encodeRst(frame.stream, frame.problem);
    case FrameType.CONTROL:
      return encodeControl(frame.message);
  }
}

describe('golden frames', () => {
  it.each(GOLDEN_FRAMES.map((golden) => [golden.name, golden] as const))('encodes %s', (_name, golden) => {
    const expected = toHex(fromHex(golden.hex));
    expect(toHex(encodeFrame(golden.frame))).toBe(expected);
    expect(toHex(encodeSpecific(golden.frame))).toBe(expected);
  });
});

describe('encodeData', () => {
  it('allocates exactly header + payload and copies the payload', () => {
    const data = new Uint8Array([1, 2, 3]);
    const out = encodeData(7, data);
    expect(out.byteOffset).toBe(0);
    expect(out.buffer.byteLength).toBe(HEADER_SIZE + 3);
    data[0] = 9;
    expect(toHex(out)).toBe('040000000701' + '0203');
  });

  it('copies from a view with an offset', () => {
    const backing = new Uint8Array([0xaa, 0xbb, 0x01, 0x02, 0xcc]);
    expect(toHex(encodeData(1, backing.subarray(2, 4)))).toBe('04000000010102');
  });

  it('accepts a payload of exactly maxFramePayload', () => {
    const out = encodeData(1, new Uint8Array(DEFAULT_LIMITS.maxFramePayload));
    expect(out.length).toBe(HEADER_SIZE + DEFAULT_LIMITS.maxFramePayload);
  });

  it('follows the limits it is given', () => {
    const limits = validateLimits({ maxFramePayload: 4 });
    expect(() => encodeData(1, new Uint8Array(5), limits)).toThrow(TypeError);
    expect(encodeData(1, new Uint8Array(200_000), validateLimits({ maxFramePayload: 200_000 })).length).toBe(200_005);
  });

  it.each([
    ['an empty payload', 1, new Uint8Array(0)],
    ['a payload over maxFramePayload', 1, new Uint8Array(DEFAULT_LIMITS.maxFramePayload + 1)],
    ['stream 0', 0, new Uint8Array(1)],
    ['a negative stream', -1, new Uint8Array(1)],
    ['a fractional stream', 1.5, new Uint8Array(1)],
    ['stream 2^32', 2 ** 32, new Uint8Array(1)],
    ['stream NaN', Number.NaN, new Uint8Array(1)],
    ['data that is not a Uint8Array', 1, [1, 2] as unknown as Uint8Array],
  ])('throws TypeError for %s', (_name, stream, data) => {
    expect(() => encodeData(stream, data)).toThrow(TypeError);
  });

  it('throws TypeError for limits that are not valid', () => {
    expect(() => encodeData(1, new Uint8Array(1), { ...DEFAULT_LIMITS, maxFramePayload: Number.NaN })).toThrow(
      TypeError,
    );
  });
});

describe('encodeDataHeader', () => {
  it('writes the header at an offset, leaving the rest untouched', () => {
    const out = new Uint8Array(12).fill(0xee);
    encodeDataHeader(0x01020304, out, 2);
    expect(toHex(out)).toBe('eeee0401020304eeeeeeeeee');
  });

  it('with the payload after it gives the same bytes as encodeData', () => {
    const out = new Uint8Array(HEADER_SIZE + 5);
    encodeDataHeader(1, out);
    out.set(new TextEncoder().encode('hello'), HEADER_SIZE);
    expect(toHex(out)).toBe(toHex(encodeData(1, new TextEncoder().encode('hello'))));
  });

  it('throws TypeError without room, for a bad offset or a bad stream', () => {
    expect(() => encodeDataHeader(1, new Uint8Array(4))).toThrow(TypeError);
    expect(() => encodeDataHeader(1, new Uint8Array(8), 4)).toThrow(TypeError);
    expect(() => encodeDataHeader(1, new Uint8Array(8), -1)).toThrow(TypeError);
    expect(() => encodeDataHeader(1, new Uint8Array(8), 0.5)).toThrow(TypeError);
    expect(() => encodeDataHeader(0, new Uint8Array(8))).toThrow(TypeError);
  });
});

describe('encodeWindow', () => {
  it('encodes the increment as u32be', () => {
    expect(toHex(encodeWindow(1, 0x01020304))).toBe('050000000101020304');
  });

  it.each([0, -1, 1.5, 2 ** 32, Number.NaN])('throws TypeError for increment %s', (increment) => {
    expect(() => encodeWindow(1, increment)).toThrow(TypeError);
  });
});

describe('encodeOpen', () => {
  it('sends only app and target, in that order', () => {
    const open = { target: 'db:5432', app: 'db', extra: 1 } as { app: string; target: string };
    expect(new TextDecoder().decode(encodeOpen(1, open).subarray(HEADER_SIZE))).toBe(
      '{"app":"db","target":"db:5432"}',
    );
  });

  it('accepts an app id of 128 characters', () => {
    expect(() => encodeOpen(1, { app: 'a'.repeat(128) })).not.toThrow();
  });

  it.each([
    ['an empty app', { app: '' }],
    ['an app of 129 characters', { app: 'a'.repeat(129) }],
    ['an app with a slash', { app: 'wiki/admin' }],
    ['an app starting with a dot', { app: '.wiki' }],
    ['a target without a port', { app: 'db', target: 'db.internal' }],
    ['a numeric-looking target', { app: 'db', target: '10.1:5432' }],
    ['a non-string target', { app: 'db', target: 5432 as unknown as string }],
  ])('throws TypeError for %s', (_name, open) => {
    expect(() => encodeOpen(1, open)).toThrow(TypeError);
  });

  it('throws TypeError for a bad stream or a missing request', () => {
    expect(() => encodeOpen(0, { app: 'wiki' })).toThrow(TypeError);
    expect(() => encodeOpen(1, null as never)).toThrow(TypeError);
  });

  it('throws TypeError when the JSON exceeds maxJsonPayload', () => {
    expect(() => encodeOpen(1, { app: 'wiki' }, validateLimits({ maxJsonPayload: 13 }))).toThrow(TypeError);
    expect(() => encodeOpen(1, { app: 'wiki' }, validateLimits({ maxJsonPayload: 14 }))).not.toThrow();
  });
});

describe('encodeOpenFail and encodeRst', () => {
  it('send only code, reasons and message, in that order', () => {
    const withExtra = { message: 'm', reasons: [], code: 'X', stack: 'secret' } as Problem;
    for (const encode of [encodeOpenFail, encodeRst]) {
      expect(new TextDecoder().decode(encode(1, withExtra).subarray(HEADER_SIZE))).toBe(
        '{"code":"X","reasons":[],"message":"m"}',
      );
    }
  });

  it('accept the field limits exactly', () => {
    const largest: Problem = {
      code: 'C'.repeat(64),
      reasons: Array.from({ length: 32 }, () => 'r'.repeat(64)),
      message: '\u0000'.repeat(1024),
    };
    expect(encodeRst(1, largest).length).toBeLessThanOrEqual(HEADER_SIZE + DEFAULT_LIMITS.maxJsonPayload);
  });

  it.each([
    ['an empty code', { ...problem, code: '' }],
    ['a code of 65 characters', { ...problem, code: 'C'.repeat(65) }],
    ['a code with a space', { ...problem, code: 'ZG ERR' }],
    ['33 reasons', { ...problem, reasons: Array.from({ length: 33 }, () => 'r') }],
    ['a reason of 65 characters', { ...problem, reasons: ['r'.repeat(65)] }],
    ['a reason not in kebab-case', { ...problem, reasons: ['MFA_required'] }],
    ['a reason that is not a string', { ...problem, reasons: [1 as unknown as string] }],
    ['reasons that are not an array', { ...problem, reasons: 'mfa-required' as unknown as string[] }],
    ['a message of 1025 characters', { ...problem, message: 'm'.repeat(1025) }],
    ['a missing message', { code: 'X', reasons: [] } as unknown as Problem],
  ])('throw TypeError for %s', (_name, bad) => {
    expect(() => encodeOpenFail(1, bad)).toThrow(TypeError);
    expect(() => encodeRst(1, bad)).toThrow(TypeError);
  });

  it('throw TypeError for stream 0', () => {
    expect(() => encodeRst(0, problem)).toThrow(TypeError);
  });
});

describe('encodeControl', () => {
  it('serialises the message as given, on stream 0', () => {
    const message: ControlMessage = { type: 'notice', level: 'warning', apps: ['wiki'] };
    const out = encodeControl(message);
    expect(toHex(out.subarray(0, HEADER_SIZE))).toBe('1000000000');
    expect(new TextDecoder().decode(out.subarray(HEADER_SIZE))).toBe(JSON.stringify(message));
  });

  it('accepts 32 levels of nesting (the message object is level 1) and an unknown type', () => {
    expect(() => encodeControl({ type: 'future-thing', deep: nest(31) })).not.toThrow();
  });

  it.each([
    ['no type', { kind: 'notice' } as unknown as ControlMessage],
    ['an empty type', { type: '' }],
    ['a type not in kebab-case', { type: 'Notice' }],
    ['a type of 65 characters', { type: 'a'.repeat(65) }],
    ['33 levels of nesting', { type: 'notice', deep: nest(32) }],
    ['a __proto__ key', JSON.parse('{"type":"notice","x":{"__proto__":{"admin":true}}}') as ControlMessage],
    ['a constructor key', { type: 'notice', constructor: 1 } as ControlMessage],
    ['a BigInt', { type: 'notice', n: 1n }],
    ['a toJSON that changes the type', { type: 'notice', toJSON: () => ({ type: 'Bad Type' }) }],
    ['a toJSON that returns a string', { type: 'notice', toJSON: () => 'notice' }],
    ['an array', ['notice'] as unknown as ControlMessage],
  ])('throws TypeError for %s', (_name, message) => {
    expect(() => encodeControl(message)).toThrow(TypeError);
  });

  it('throws TypeError for a cycle', () => {
    const message: ControlMessage = { type: 'notice' };
    message['self'] = message;
    expect(() => encodeControl(message)).toThrow(TypeError);
  });

  it('throws TypeError above maxControlPayload, counting UTF-8 bytes', () => {
    const limits = validateLimits({ maxControlPayload: 40 });
    // {"type":"notice","m":"…"}: 24 bytes around the text.
    expect(() => encodeControl({ type: 'notice', m: 'a'.repeat(16) }, limits)).not.toThrow();
    expect(() => encodeControl({ type: 'notice', m: 'a'.repeat(17) }, limits)).toThrow(TypeError);
    expect(() => encodeControl({ type: 'notice', m: 'é'.repeat(8) }, limits)).not.toThrow();
    expect(() => encodeControl({ type: 'notice', m: 'é'.repeat(9) }, limits)).toThrow(TypeError);
  });
});

describe('encodeFrame', () => {
  it('throws TypeError for CONTROL off stream 0 and for an unknown type', () => {
    expect(() => encodeFrame({ type: 0x10, stream: 1, message: { type: 'notice' } } as unknown as Frame)).toThrow(
      TypeError,
    );
    expect(() => encodeFrame({ type: 0x08, stream: 1 } as unknown as Frame)).toThrow(TypeError);
  });
});
