/**
 * The Zerogate tunnel wire codec (DESIGN.md §4, `docs/protocol.md`): pure, dependency-free
 * encoding and decoding of the frames one tunnel WebSocket carries.
 */
export {
  CLOSE_CODE_PROTOCOL_ERROR,
  CONTROL_STREAM,
  ControlType,
  FIELD_LIMITS,
  FrameType,
  HEADER_SIZE,
  MAX_MISSED_PONGS,
  MAX_STREAM_ID,
  MAX_WINDOW_INCREMENT,
  PING_INTERVAL_MS,
} from './constants.ts';
export type { ControlTypeName, FrameTypeValue } from './constants.ts';
export { DEFAULT_LIMITS, LIMIT_BOUNDS, validateLimits } from './limits.ts';
export type { WireLimits } from './limits.ts';
export type {
  ControlFrame,
  ControlMessage,
  DataFrame,
  FinFrame,
  Frame,
  OpenFailFrame,
  OpenFrame,
  OpenOkFrame,
  OpenRequest,
  Problem,
  RstFrame,
  WindowFrame,
} from './frame.ts';
export {
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
export { decodeFrame } from './decode.ts';
export { FrameDecoder } from './frame-decoder.ts';
export { isValidTarget } from './target.ts';
export type { WireErrorCode } from './wire-error.ts';
export { formatLimitsHeader, LIMITS_HEADER, parseLimitsHeader } from './limits-header.ts';
