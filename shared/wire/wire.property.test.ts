import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONTROL_STREAM, FrameType, HEADER_SIZE, MAX_STREAM_ID } from './constants.ts';
import { decodeFrame } from './decode.ts';
import { encodeFrame } from './encode.ts';
import type { ControlMessage, Frame, Problem } from './frame.ts';
import { FrameDecoder } from './frame-decoder.ts';
import { decodeOutcome, GOLDEN_FRAMES, fromHex, type Outcome, outcome } from './golden-frames.fixture.ts';
import { DEFAULT_LIMITS, validateLimits, type WireLimits } from './limits.ts';
import { checkJsonTree } from './payload.ts';
import { isValidTarget } from './target.ts';

const stream = fc.oneof(fc.constantFrom(1, 2, MAX_STREAM_ID), fc.integer({ min: 1, max: MAX_STREAM_ID }));
const kebab = fc.stringMatching(/^[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,4}$/);
const appId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,40}$/);
const port = fc.integer({ min: 1, max: 65_535 });
const host = fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6().map((address) => `[${address}]`));
const target = fc.tuple(host, port).map(([name, number]) => `${name}:${number}`);
const problem: fc.Arbitrary<Problem> = fc.record({
  code: fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/),
  reasons: fc.array(kebab, { maxLength: 32 }),
  // "binary" includes lone surrogates, which JSON.stringify escapes.
  message: fc.string({ unit: 'binary', maxLength: 512 }),
});
const controlKey = fc.string({ minLength: 1, maxLength: 12 }).filter((key) => key !== 'type');
const controlMessage: fc.Arbitrary<ControlMessage> = fc
  .tuple(kebab, fc.dictionary(controlKey, fc.jsonValue({ maxDepth: 4 }), { maxKeys: 6 }))
  // Through JSON once: jsonValue() can produce -0, which JSON carries as 0.
  .map(([type, rest]) => JSON.parse(JSON.stringify({ ...rest, type })) as ControlMessage)
  .filter((message) => checkJsonTree(message) === undefined);

const validFrame: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({ type: fc.constant(FrameType.OPEN), stream, app: appId }),
  fc.record({ type: fc.constant(FrameType.OPEN), stream, app: appId, target }),
  fc.record({ type: fc.constant(FrameType.OPEN_OK), stream }),
  fc.record({ type: fc.constant(FrameType.OPEN_FAIL), stream, problem }),
  fc.record({ type: fc.constant(FrameType.DATA), stream, data: fc.uint8Array({ minLength: 1, maxLength: 2048 }) }),
  fc.record({ type: fc.constant(FrameType.WINDOW), stream, increment: fc.integer({ min: 1, max: 0xffff_ffff }) }),
  fc.record({ type: fc.constant(FrameType.FIN), stream }),
  fc.record({ type: fc.constant(FrameType.RST), stream, problem }),
  fc.record({ type: fc.constant(FrameType.CONTROL), stream: fc.constant(CONTROL_STREAM), message: controlMessage }),
);

/** Bytes that look like frames often enough to reach every branch of the decoder. */
const frameLikeBytes: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.oneof(fc.constantFrom(...Object.values(FrameType)), fc.integer({ min: 0, max: 255 })),
    fc.oneof(fc.constantFrom(0, 1, MAX_STREAM_ID), fc.integer({ min: 0, max: MAX_STREAM_ID })),
    fc.oneof(
      fc.uint8Array({ maxLength: 96 }),
      fc.json().map((json) => new TextEncoder().encode(json)),
      fc
        .record({ app: fc.string(), target: fc.string(), type: fc.string(), code: fc.string() }, { requiredKeys: [] })
        .map((value) => new TextEncoder().encode(JSON.stringify(value))),
    ),
  )
  .map(([type, id, payload]) => {
    const out = new Uint8Array(HEADER_SIZE + payload.length);
    out[0] = type;
    new DataView(out.buffer).setUint32(1, id);
    out.set(payload, HEADER_SIZE);
    return out;
  });

/** Valid frames with up to two edits (set, insert or delete a byte, or truncate). */
const nearlyValidBytes: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    validFrame,
    fc.array(
      fc.tuple(fc.constantFrom('set', 'insert', 'delete', 'truncate'), fc.nat(), fc.integer({ min: 0, max: 255 })),
      { maxLength: 2 },
    ),
  )
  .map(([frame, edits]) => {
    let bytes = Array.from(encodeFrame(frame));
    for (const [edit, position, byte] of edits) {
      const at = position % (bytes.length + 1);
      if (edit === 'set' && at < bytes.length) bytes[at] = byte;
      else if (edit === 'insert') bytes.splice(at, 0, byte);
      else if (edit === 'delete') bytes.splice(at, 1);
      else if (edit === 'truncate') bytes = bytes.slice(0, at);
    }
    return Uint8Array.from(bytes);
  });

const anyBytes = fc.oneof(fc.uint8Array({ maxLength: 128 }), frameLikeBytes, nearlyValidBytes);

/** Ascending cut offsets within `length`. */
function cutsWithin(length: number): fc.Arbitrary<number[]> {
  return fc
    .uniqueArray(fc.integer({ min: 0, max: length }), { maxLength: 6 })
    .map((cuts) => cuts.sort((a, b) => a - b));
}

function pieces(message: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const bounds = [0, ...cuts, message.length];
  return bounds.slice(1).map((end, i) => message.subarray(bounds[i], end));
}

function splitOutcome(message: Uint8Array, cuts: readonly number[], limits?: WireLimits): Outcome {
  const decoder = new FrameDecoder(limits);
  return outcome(() => {
    for (const piece of pieces(message, cuts)) decoder.push(piece);
    return decoder.end();
  });
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const CANONICAL_IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

const small = validateLimits({ maxFramePayload: 24, maxJsonPayload: 24, maxControlPayload: 40 });

describe('properties', () => {
  it('decode(encode(frame)) equals frame for any valid frame', () => {
    fc.assert(
      fc.property(validFrame, (frame) => {
        expect(decodeFrame(encodeFrame(frame))).toEqual(frame);
      }),
      { numRuns: 1000 },
    );
  });

  it('an encoded frame split anywhere decodes to the same frame', () => {
    fc.assert(
      fc.property(
        validFrame.chain((frame) => {
          const message = encodeFrame(frame);
          return fc.tuple(fc.constant(frame), fc.constant(message), cutsWithin(message.length));
        }),
        ([frame, message, cuts]) => {
          expect(splitOutcome(message, cuts)).toEqual({ frame });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('arbitrary bytes decode to a frame or to a ZG_ERR_WIRE_* error with close code 1002, nothing else', () => {
    fc.assert(
      fc.property(anyBytes, (bytes) => {
        // outcome() rethrows anything that is not a coded wire error, which fails the property.
        decodeOutcome(bytes);
        decodeOutcome(bytes, small);
      }),
      { numRuns: 5000 },
    );
  });

  it('whatever the decoder accepts (except CONTROL), the encoder re-encodes to an equal frame', () => {
    fc.assert(
      fc.property(anyBytes, (bytes) => {
        const result = decodeOutcome(bytes);
        if ('frame' in result && result.frame.type !== FrameType.CONTROL) {
          expect(decodeFrame(encodeFrame(result.frame))).toEqual(result.frame);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('FrameDecoder over arbitrary pieces gives the same outcome as decodeFrame on the whole', () => {
    fc.assert(
      fc.property(
        anyBytes.chain((bytes) => fc.tuple(fc.constant(bytes), cutsWithin(bytes.length))),
        fc.constantFrom(DEFAULT_LIMITS, small),
        ([bytes, cuts], limits) => {
          expect(splitOutcome(bytes, cuts, limits)).toEqual(decodeOutcome(bytes, limits));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('FrameDecoder never holds more than the limit plus the header, and nothing after an error', () => {
    const limits = validateLimits({ maxFramePayload: 64, maxJsonPayload: 32, maxControlPayload: 48 });
    const largest = HEADER_SIZE + 64;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constantFrom(...Object.values(FrameType)),
          fc.integer({ min: 0, max: 255 }),
        ),
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 12 }),
        (type, chunks) => {
          const decoder = new FrameDecoder(limits);
          const first = new Uint8Array([type, 0, 0, 0, type === FrameType.CONTROL ? 0 : 1]);
          for (const chunk of [first, ...chunks]) {
            try {
              decoder.push(chunk);
            } catch (error) {
              expect(error).toMatchObject({ closeCode: 1002 });
              expect(decoder.buffered).toBe(0);
              return;
            }
            expect(decoder.buffered).toBeLessThanOrEqual(largest);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('mutating one byte of a golden frame never escapes the coded errors', () => {
    const goldens = GOLDEN_FRAMES.map((golden) => fromHex(golden.hex));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: goldens.length - 1 }).chain((index) =>
          fc.tuple(
            fc.constant(goldens[index]!),
            fc.integer({ min: 0, max: goldens[index]!.length - 1 }),
            fc.integer({ min: 0, max: 255 }),
          ),
        ),
        ([golden, at, byte]) => {
          const mutated = golden.slice();
          mutated[at] = byte;
          decodeOutcome(mutated);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('generated DNS names, IPv4 and IPv6 addresses with a port are valid targets', () => {
    fc.assert(
      fc.property(target, (value) => {
        expect(isValidTarget(value)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('non-canonical IPv4 spellings are never valid targets', () => {
    fc.assert(
      fc.property(fc.ipV4Extended(), port, (address, number) => {
        const canonical = CANONICAL_IPV4.test(address);
        expect(isValidTarget(`${address}:${number}`)).toBe(canonical);
      }),
      { numRuns: 1000 },
    );
  });
});
