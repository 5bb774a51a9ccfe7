/**
 * Typed frames of the wire protocol (DESIGN.md §4, `docs/protocol.md`). The decoder turns
 * untrusted bytes into these values once; everything past it works with typed, checked data.
 */
import type { FrameType } from './constants.ts';

/**
 * Why a stream was refused or reset: the payload of OPEN_FAIL and RST.
 * `code` is an error code (`docs/errors.md`), `reasons` are kebab-case reason codes
 * (`docs/reasons.md`), `message` is human text without secrets.
 */
export interface Problem {
  code: string;
  reasons: string[];
  message: string;
}

/** What an OPEN asks for: a published app and, for apps that publish a range, a `host:port`. */
export interface OpenRequest {
  app: string;
  target?: string;
}

/**
 * A CONTROL message (always on stream 0). `type` is kebab-case; see `ControlType` for the types
 * this version defines. The codec checks only `type` and the JSON rules; each consumer validates
 * the rest of the message for its own type and ignores types it does not know.
 */
export interface ControlMessage {
  type: string;
  [key: string]: unknown;
}

/** OPEN: the agent asks for a new stream to `app`. */
export interface OpenFrame extends OpenRequest {
  type: typeof FrameType.OPEN;
  stream: number;
}

/** OPEN_OK: the proxy accepted the OPEN and dialled the upstream. */
export interface OpenOkFrame {
  type: typeof FrameType.OPEN_OK;
  stream: number;
}

/** OPEN_FAIL: the proxy refused the OPEN. */
export interface OpenFailFrame {
  type: typeof FrameType.OPEN_FAIL;
  stream: number;
  problem: Problem;
}

/**
 * DATA: stream bytes. A decoded frame's `data` is a view into the decoded message (no copy): it
 * is valid as long as the caller keeps the message unchanged.
 */
export interface DataFrame {
  type: typeof FrameType.DATA;
  stream: number;
  data: Uint8Array;
}

/** WINDOW: the receiver grants `increment` more bytes of credit (1 to 2^32-1). */
export interface WindowFrame {
  type: typeof FrameType.WINDOW;
  stream: number;
  increment: number;
}

/** FIN: the sender will send no more DATA on this stream (half-close). */
export interface FinFrame {
  type: typeof FrameType.FIN;
  stream: number;
}

/** RST: the stream ends at once in both directions. */
export interface RstFrame {
  type: typeof FrameType.RST;
  stream: number;
  problem: Problem;
}

/** CONTROL: a connection-level message on stream 0. */
export interface ControlFrame {
  type: typeof FrameType.CONTROL;
  stream: 0;
  message: ControlMessage;
}

/** Any frame, discriminated by `type`. */
export type Frame =
  | OpenFrame
  | OpenOkFrame
  | OpenFailFrame
  | DataFrame
  | WindowFrame
  | FinFrame
  | RstFrame
  | ControlFrame;
