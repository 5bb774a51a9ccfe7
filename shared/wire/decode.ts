/**
 * Decoding of one complete frame (one WebSocket message) into a typed {@link Frame}.
 *
 * Every malformed input ends in a {@link ZerogateError} with a `ZG_ERR_WIRE_*` code and
 * `closeCode` 1002, never in another exception. Limits are checked before any payload is
 * parsed, so the work per frame is bounded by the limits. DATA is decoded without copying.
 */
import type { ZerogateError } from '../errors.ts';
import { CONTROL_STREAM, FrameType, HEADER_SIZE } from './constants.ts';
import type { ControlMessage, Frame, Problem } from './frame.ts';
import { DEFAULT_LIMITS, resolveLimits, type WireLimits } from './limits.ts';
import { checkControl, checkOpen, checkProblem } from './payload.ts';
import { wireError } from './wire-error.ts';

/** Fatal: invalid UTF-8 is a violation, not U+FFFD. ignoreBOM keeps a BOM, which JSON.parse rejects. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const WINDOW_PAYLOAD_SIZE = 4;

/**
 * The largest payload allowed for a frame type under `limits`, or -1 for an unknown type.
 * Internal; also used by `FrameDecoder` to fail as soon as a fragment goes over.
 */
export function payloadLimit(type: number, limits: WireLimits): number {
  switch (type) {
    case FrameType.DATA:
      return limits.maxFramePayload;
    case FrameType.WINDOW:
      return WINDOW_PAYLOAD_SIZE;
    case FrameType.OPEN:
    case FrameType.OPEN_FAIL:
    case FrameType.RST:
      return limits.maxJsonPayload;
    case FrameType.CONTROL:
      return limits.maxControlPayload;
    case FrameType.OPEN_OK:
    case FrameType.FIN:
      return 0;
    default:
      return -1;
  }
}

/** Reads a u32be (a stream id or a WINDOW increment) at `offset`. Internal. */
export function readU32(bytes: Uint8Array, offset: number): number {
  const high = (bytes[offset]! << 24) | (bytes[offset + 1]! << 16);
  return (high | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

/** The error for an unknown type byte. Internal. */
export function unknownTypeError(type: number): ZerogateError {
  const hex = type.toString(16).padStart(2, '0');
  return wireError('ZG_ERR_WIRE_UNKNOWN_TYPE', `unknown frame type 0x${hex}`, type);
}

/** The error for a stream id not allowed for the type, or undefined when it is allowed. Internal. */
export function streamError(type: number, stream: number): ZerogateError | undefined {
  if (type === FrameType.CONTROL) {
    return stream === CONTROL_STREAM
      ? undefined
      : wireError('ZG_ERR_WIRE_BAD_STREAM', 'CONTROL frame on a stream other than 0', type, stream);
  }
  return stream === CONTROL_STREAM
    ? wireError('ZG_ERR_WIRE_BAD_STREAM', 'stream 0 is reserved for CONTROL frames', type, stream)
    : undefined;
}

/**
 * The error for a payload longer than {@link payloadLimit}: too large for variable-size
 * payloads, malformed for fixed-size ones. Internal.
 */
export function oversizeError(type: number, stream: number, payloadLength: number): ZerogateError {
  if (type === FrameType.WINDOW || type === FrameType.OPEN_OK || type === FrameType.FIN) {
    const text = 'payload longer than the frame type allows';
    return wireError('ZG_ERR_WIRE_BAD_PAYLOAD', text, type, stream, payloadLength);
  }
  return wireError('ZG_ERR_WIRE_FRAME_TOO_LARGE', 'frame payload exceeds the limit', type, stream, payloadLength);
}

function parseJson(message: Uint8Array, type: number, stream: number): unknown {
  try {
    return JSON.parse(utf8.decode(message.subarray(HEADER_SIZE)));
  } catch {
    // Either invalid UTF-8 (TypeError) or invalid JSON (SyntaxError); both are the peer's fault.
    const payloadLength = message.length - HEADER_SIZE;
    throw wireError('ZG_ERR_WIRE_BAD_PAYLOAD', 'payload is not UTF-8 JSON', type, stream, payloadLength);
  }
}

function shapeError(problem: string, type: number, stream: number, length: number): ZerogateError {
  return wireError('ZG_ERR_WIRE_BAD_PAYLOAD', problem, type, stream, length - HEADER_SIZE);
}

function decodeProblem(message: Uint8Array, type: number, stream: number): Problem {
  const value = parseJson(message, type, stream);
  const problem = checkProblem(value);
  if (problem !== undefined) throw shapeError(problem, type, stream, message.length);
  const { code, reasons, message: text } = value as Problem;
  return { code, reasons, message: text };
}

/**
 * Decodes one complete frame.
 *
 * DATA frames are returned without copying: `data` is a subarray of `message`.
 *
 * @param message - the bytes of one WebSocket binary message.
 * @param limits - limits from {@link validateLimits} (other objects are re-checked per call).
 * @throws ZerogateError with `closeCode` 1002 and one of `ZG_ERR_WIRE_TRUNCATED`,
 *   `ZG_ERR_WIRE_UNKNOWN_TYPE`, `ZG_ERR_WIRE_BAD_STREAM`, `ZG_ERR_WIRE_FRAME_TOO_LARGE`,
 *   `ZG_ERR_WIRE_BAD_PAYLOAD`, `ZG_ERR_WIRE_FLOW_CONTROL` (a WINDOW of 0).
 * @throws TypeError when `message` is not a Uint8Array or `limits` is invalid (misuse).
 */
export function decodeFrame(message: Uint8Array, limits: WireLimits = DEFAULT_LIMITS): Frame {
  if (!(message instanceof Uint8Array)) throw new TypeError('message must be a Uint8Array');
  const checked = limits === DEFAULT_LIMITS ? limits : resolveLimits(limits);
  const length = message.length;
  if (length === 0) throw wireError('ZG_ERR_WIRE_TRUNCATED', 'empty frame', undefined, undefined, 0);
  // Checks run in prefix order (type byte, header, size, payload) so that FrameDecoder, which
  // checks prefixes early, reports the same code for the same bytes.
  const type = message[0]!;
  const max = payloadLimit(type, checked);
  if (max < 0) throw unknownTypeError(type);
  if (length < HEADER_SIZE) {
    throw wireError('ZG_ERR_WIRE_TRUNCATED', 'frame shorter than its header', type, undefined, length);
  }
  const stream = readU32(message, 1);
  const badStream = streamError(type, stream);
  if (badStream !== undefined) throw badStream;
  const payloadLength = length - HEADER_SIZE;
  if (payloadLength > max) throw oversizeError(type, stream, payloadLength);

  switch (type) {
    case FrameType.DATA:
      if (payloadLength === 0) {
        throw wireError('ZG_ERR_WIRE_BAD_PAYLOAD', 'empty DATA frame', type, stream, 0);
      }
      return { type: FrameType.DATA, stream, data: message.subarray(HEADER_SIZE) };
    case FrameType.WINDOW: {
      if (payloadLength < WINDOW_PAYLOAD_SIZE) {
        throw wireError('ZG_ERR_WIRE_TRUNCATED', 'WINDOW payload shorter than 4 bytes', type, stream, payloadLength);
      }
      const increment = readU32(message, HEADER_SIZE);
      if (increment === 0) {
        throw wireError('ZG_ERR_WIRE_FLOW_CONTROL', 'WINDOW increment of 0', type, stream, payloadLength);
      }
      return { type: FrameType.WINDOW, stream, increment };
    }
    case FrameType.OPEN_OK:
      return { type: FrameType.OPEN_OK, stream };
    case FrameType.FIN:
      return { type: FrameType.FIN, stream };
    case FrameType.OPEN: {
      const value = parseJson(message, type, stream);
      const problem = checkOpen(value);
      if (problem !== undefined) throw shapeError(problem, type, stream, length);
      const { app, target } = value as { app: string; target?: string };
      return target === undefined
        ? { type: FrameType.OPEN, stream, app }
        : { type: FrameType.OPEN, stream, app, target };
    }
    case FrameType.OPEN_FAIL:
      return { type: FrameType.OPEN_FAIL, stream, problem: decodeProblem(message, type, stream) };
    case FrameType.RST:
      return { type: FrameType.RST, stream, problem: decodeProblem(message, type, stream) };
    default: {
      // CONTROL: the only type left after payloadLimit() accepted the byte.
      const value = parseJson(message, type, stream);
      const problem = checkControl(value);
      if (problem !== undefined) throw shapeError(problem, type, stream, length);
      return { type: FrameType.CONTROL, stream: CONTROL_STREAM, message: value as ControlMessage };
    }
  }
}
