/**
 * Constants of the Zerogate tunnel wire protocol (DESIGN.md §4, `docs/protocol.md`).
 *
 * Values that are part of the protocol (type bytes, header layout, field bounds) live here;
 * tunable per-connection limits live in `limits.ts`.
 */

/**
 * The frame type byte, the first byte of every frame.
 *
 * A type byte not in this table is a protocol violation (`ZG_ERR_WIRE_UNKNOWN_TYPE`).
 */
export const FrameType = Object.freeze({
  OPEN: 0x01,
  OPEN_OK: 0x02,
  OPEN_FAIL: 0x03,
  DATA: 0x04,
  WINDOW: 0x05,
  FIN: 0x06,
  RST: 0x07,
  CONTROL: 0x10,
} as const);

/** One of the {@link FrameType} byte values. */
export type FrameTypeValue = (typeof FrameType)[keyof typeof FrameType];

/** Bytes before the payload: `type u8 | stream u32be`. */
export const HEADER_SIZE = 5;

/** The stream id that CONTROL frames use, and that no other frame may use. */
export const CONTROL_STREAM = 0;

/** The largest stream id (stream ids are unsigned 32-bit). */
export const MAX_STREAM_ID = 0xffff_ffff;

/** The largest WINDOW increment the u32be field can carry; the smallest valid one is 1. */
export const MAX_WINDOW_INCREMENT = 0xffff_ffff;

/**
 * WebSocket close code sent on any protocol violation (RFC 6455 §7.4.1, "protocol error").
 * Every `ZG_ERR_WIRE_*` error raised by the decoder carries it as `closeCode`.
 */
export const CLOSE_CODE_PROTOCOL_ERROR = 1002;

/** Interval between WebSocket pings, each side (milliseconds). */
export const PING_INTERVAL_MS = 15_000;

/** Consecutive unanswered pings after which a side drops the connection. */
export const MAX_MISSED_PONGS = 2;

/**
 * Bounds on the fields of JSON payloads. They are part of the protocol (not tunable): both the
 * encoder and the decoder enforce them, so a frame one side encodes is always one the other
 * side accepts.
 */
export const FIELD_LIMITS = Object.freeze({
  /** OPEN `app`: characters. */
  appMaxLength: 128,
  /** OPEN `target` (`host:port`): characters. */
  targetMaxLength: 261,
  /** Problem `code`: characters. */
  codeMaxLength: 64,
  /** Problem `reasons`: items. */
  maxReasons: 32,
  /** Each problem reason: characters. */
  reasonMaxLength: 64,
  /** Problem `message`: characters (UTF-16 code units). */
  messageMaxLength: 1024,
  /** CONTROL `type`: characters. */
  controlTypeMaxLength: 64,
  /** Nesting depth of any JSON payload; the top-level object is depth 1. */
  jsonMaxDepth: 32,
} as const);

/**
 * The CONTROL message types this version defines. Receivers ignore types they do not know, so
 * new types can be added without a protocol break.
 */
export const ControlType = Object.freeze({
  /** Agent → proxy: a device posture report (DESIGN.md §5). */
  POSTURE: 'posture',
  /** Either way: session-token renewal in band. */
  REAUTH: 'reauth',
  /** Proxy → agent: something to show the user (a reset, a denial, an expiring session). */
  NOTICE: 'notice',
  /** Proxy → agent: the current per-app verdicts with reasons. */
  POLICY_SUMMARY: 'policy-summary',
} as const);

/** One of the {@link ControlType} names. */
export type ControlTypeName = (typeof ControlType)[keyof typeof ControlType];
