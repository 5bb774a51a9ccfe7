import { ZerogateError, type ErrorCode } from '../errors.ts';
import { CLOSE_CODE_PROTOCOL_ERROR } from './constants.ts';

/** The `ZG_ERR_WIRE_*` codes the decoder raises. */
export type WireErrorCode = Extract<ErrorCode, `ZG_ERR_WIRE_${string}`>;

/**
 * A protocol violation: a {@link ZerogateError} that tells the connection owner to close with
 * 1002. `detail` holds the frame type, stream and length when known, never payload content.
 */
export function wireError(
  code: WireErrorCode,
  message: string,
  frameType?: number,
  stream?: number,
  length?: number,
): ZerogateError {
  return new ZerogateError(code, message, {
    closeCode: CLOSE_CODE_PROTOCOL_ERROR,
    detail: { frameType, stream, length },
  });
}
