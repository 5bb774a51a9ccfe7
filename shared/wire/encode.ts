/**
 * Encoding of frames. Encoders check their input against the same rules as the decoder, so a
 * frame they return is always one the peer accepts; bad input is a programming error and
 * throws TypeError. DATA, the hot path, costs one allocation and one copy.
 */
import { CONTROL_STREAM, FrameType, HEADER_SIZE, MAX_STREAM_ID, MAX_WINDOW_INCREMENT } from './constants.ts';
import type { ControlMessage, Frame, OpenRequest, Problem } from './frame.ts';
import { DEFAULT_LIMITS, resolveLimits, type WireLimits } from './limits.ts';
import { checkControl, checkOpen, checkProblem, isJsonObject } from './payload.ts';

const utf8 = new TextEncoder();

function assertStream(stream: number): void {
  if (!Number.isInteger(stream) || stream < 1 || stream > MAX_STREAM_ID) {
    throw new TypeError(`stream must be an integer from 1 to ${MAX_STREAM_ID}`);
  }
}

function limitsOf(limits: WireLimits): WireLimits {
  return limits === DEFAULT_LIMITS ? limits : resolveLimits(limits);
}

/** Writes `type u8 | stream u32be` at `offset`; Uint8Array stores each value modulo 256. */
function writeHeader(out: Uint8Array, offset: number, type: number, stream: number): void {
  out[offset] = type;
  out[offset + 1] = stream >>> 24;
  out[offset + 2] = stream >>> 16;
  out[offset + 3] = stream >>> 8;
  out[offset + 4] = stream;
}

function headerOnly(type: number, stream: number): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE);
  writeHeader(out, 0, type, stream);
  return out;
}

function jsonFrame(type: number, stream: number, json: string, maxPayload: number): Uint8Array {
  const payload = utf8.encode(json);
  if (payload.length > maxPayload) {
    throw new TypeError(`frame payload of ${payload.length} bytes exceeds the limit of ${maxPayload}`);
  }
  const out = new Uint8Array(HEADER_SIZE + payload.length);
  writeHeader(out, 0, type, stream);
  out.set(payload, HEADER_SIZE);
  return out;
}

/**
 * Writes the 5-byte header of a DATA frame into `out` at `offset`, for callers that read
 * payload straight into a buffer after the header (no copy at all).
 *
 * @throws TypeError when `stream` is not 1 to 2^32-1 or `out` has no room at `offset`.
 */
export function encodeDataHeader(stream: number, out: Uint8Array, offset = 0): void {
  assertStream(stream);
  if (!(out instanceof Uint8Array) || !Number.isInteger(offset) || offset < 0 || offset + HEADER_SIZE > out.length) {
    throw new TypeError('out must be a Uint8Array with room for the header at offset');
  }
  writeHeader(out, offset, FrameType.DATA, stream);
}

/**
 * Encodes a DATA frame: one allocation (header and payload together) and one copy.
 *
 * @throws TypeError when `stream` is not 1 to 2^32-1, or `data` is empty or longer than
 *   `limits.maxFramePayload` (split it; the peer would refuse it).
 */
export function encodeData(stream: number, data: Uint8Array, limits: WireLimits = DEFAULT_LIMITS): Uint8Array {
  assertStream(stream);
  if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array');
  const size = data.length;
  const max = limitsOf(limits).maxFramePayload;
  if (size === 0 || size > max) throw new TypeError(`DATA payload must be 1 to ${max} bytes`);
  const out = new Uint8Array(HEADER_SIZE + size);
  writeHeader(out, 0, FrameType.DATA, stream);
  out.set(data, HEADER_SIZE);
  return out;
}

/**
 * Encodes a WINDOW frame granting `increment` bytes of credit.
 *
 * @throws TypeError when `stream` is not 1 to 2^32-1 or `increment` is not 1 to 2^32-1.
 */
export function encodeWindow(stream: number, increment: number): Uint8Array {
  assertStream(stream);
  if (!Number.isInteger(increment) || increment < 1 || increment > MAX_WINDOW_INCREMENT) {
    throw new TypeError(`WINDOW increment must be an integer from 1 to ${MAX_WINDOW_INCREMENT}`);
  }
  const out = new Uint8Array(HEADER_SIZE + 4);
  writeHeader(out, 0, FrameType.WINDOW, stream);
  out[5] = increment >>> 24;
  out[6] = increment >>> 16;
  out[7] = increment >>> 8;
  out[8] = increment;
  return out;
}

/**
 * Encodes an OPEN frame as JSON `{"app":…,"target":…}` (target only when given).
 *
 * @throws TypeError when `stream` is invalid, `app` is not an app id, or `target` is not
 *   `host:port` (see `docs/protocol.md`).
 */
export function encodeOpen(stream: number, open: OpenRequest, limits: WireLimits = DEFAULT_LIMITS): Uint8Array {
  assertStream(stream);
  if (!isJsonObject(open)) throw new TypeError('open must be an object');
  const { app, target } = open;
  const request = target === undefined ? { app } : { app, target };
  const problem = checkOpen(request);
  if (problem !== undefined) throw new TypeError(problem);
  return jsonFrame(FrameType.OPEN, stream, JSON.stringify(request), limitsOf(limits).maxJsonPayload);
}

/** Encodes an OPEN_OK frame. @throws TypeError when `stream` is invalid. */
export function encodeOpenOk(stream: number): Uint8Array {
  assertStream(stream);
  return headerOnly(FrameType.OPEN_OK, stream);
}

function problemFrame(type: number, stream: number, problem: Problem, limits: WireLimits): Uint8Array {
  assertStream(stream);
  if (!isJsonObject(problem)) throw new TypeError('problem must be an object');
  // Only the three protocol fields are sent, in a fixed order.
  const { code, reasons, message } = problem;
  const payload = { code, reasons, message };
  const invalid = checkProblem(payload);
  if (invalid !== undefined) throw new TypeError(invalid);
  return jsonFrame(type, stream, JSON.stringify(payload), limitsOf(limits).maxJsonPayload);
}

/**
 * Encodes an OPEN_FAIL frame. Only `code`, `reasons` and `message` are sent.
 *
 * @throws TypeError when `stream` is invalid or `problem` breaks the field rules.
 */
export function encodeOpenFail(stream: number, problem: Problem, limits: WireLimits = DEFAULT_LIMITS): Uint8Array {
  return problemFrame(FrameType.OPEN_FAIL, stream, problem, limits);
}

/** Encodes a FIN frame (half-close). @throws TypeError when `stream` is invalid. */
export function encodeFin(stream: number): Uint8Array {
  assertStream(stream);
  return headerOnly(FrameType.FIN, stream);
}

/**
 * Encodes an RST frame. Only `code`, `reasons` and `message` are sent.
 *
 * @throws TypeError when `stream` is invalid or `problem` breaks the field rules.
 */
export function encodeRst(stream: number, problem: Problem, limits: WireLimits = DEFAULT_LIMITS): Uint8Array {
  return problemFrame(FrameType.RST, stream, problem, limits);
}

/**
 * Encodes a CONTROL frame on stream 0 as `JSON.stringify(message)`. The JSON is checked as the
 * peer will check it (parsed back), because `toJSON` and friends can change what is sent.
 *
 * @throws TypeError when `message` has no kebab-case `type`, cannot be serialised, nests deeper
 *   than 32 levels, has a `__proto__`/`constructor`/`prototype` key, or exceeds
 *   `limits.maxControlPayload`.
 */
export function encodeControl(message: ControlMessage, limits: WireLimits = DEFAULT_LIMITS): Uint8Array {
  if (!isJsonObject(message)) throw new TypeError('CONTROL message must be an object');
  const max = limitsOf(limits).maxControlPayload;
  // Throws TypeError itself on BigInt or cycles.
  const json: unknown = JSON.stringify(message);
  if (typeof json !== 'string') throw new TypeError('CONTROL message does not serialise to JSON');
  if (json.length > max) {
    // UTF-8 is never shorter than the UTF-16 length of JSON text (all ASCII-escaped or not).
    throw new TypeError(`CONTROL payload exceeds the limit of ${max} bytes`);
  }
  const invalid = checkControl(JSON.parse(json));
  if (invalid !== undefined) throw new TypeError(invalid);
  return jsonFrame(FrameType.CONTROL, CONTROL_STREAM, json, max);
}

/**
 * Encodes any frame; dispatches to the encoder for `frame.type`.
 *
 * @throws TypeError on an unknown type, a CONTROL frame not on stream 0, or what the specific
 *   encoder rejects.
 */
export function encodeFrame(frame: Frame, limits: WireLimits = DEFAULT_LIMITS): Uint8Array {
  switch (frame.type) {
    case FrameType.OPEN:
      return encodeOpen(frame.stream, frame, limits);
    case FrameType.OPEN_OK:
      return encodeOpenOk(frame.stream);
    case FrameType.OPEN_FAIL:
      return encodeOpenFail(frame.stream, frame.problem, limits);
    case FrameType.DATA:
      return encodeData(frame.stream, frame.data, limits);
    case FrameType.WINDOW:
      return encodeWindow(frame.stream, frame.increment);
    case FrameType.FIN:
      return encodeFin(frame.stream);
    case FrameType.RST:
      return encodeRst(frame.stream, frame.problem, limits);
    case FrameType.CONTROL:
      if (frame.stream !== CONTROL_STREAM) throw new TypeError('CONTROL frames use stream 0');
      return encodeControl(frame.message, limits);
    default:
      throw new TypeError(`unknown frame type ${String((frame as { type: unknown }).type)}`);
  }
}
