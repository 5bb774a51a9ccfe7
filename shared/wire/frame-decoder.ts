/**
 * Incremental decoding of one frame that arrives in pieces (WebSocket continuation fragments).
 *
 * A state machine in the manner of ws's Receiver: it keeps references to the pushed chunks
 * (no copy while buffering), checks the type byte, the header and the size limit as soon as
 * the bytes that decide them have arrived, and joins the chunks once, in `end()`.
 */
import { HEADER_SIZE } from './constants.ts';
import type { Frame } from './frame.ts';
import { DEFAULT_LIMITS, resolveLimits, type WireLimits } from './limits.ts';
import {
  decodeFrame,
  oversizeError,
  payloadLimit,
  readU32,
  streamError,
  unknownTypeError,
} from './decode.ts';

const EMPTY = new Uint8Array(0);

/**
 * Collects the fragments of one message and decodes them as one frame.
 *
 * ```ts
 * const decoder = new FrameDecoder(limits);
 * decoder.push(fragment1);   // throws as soon as the bytes so far are invalid
 * decoder.push(fragment2);
 * const frame = decoder.end();
 * ```
 *
 * It never holds more than the type's payload limit plus {@link HEADER_SIZE} bytes. After it
 * throws, it has already reset itself (and dropped its references). Pushed chunks must not be
 * modified until `end()` or `reset()`; a DATA frame from a message of one chunk is a view into
 * that chunk, from several chunks a view into one joined copy.
 */
export class FrameDecoder {
  readonly #limits: WireLimits;
  /** The first bytes of the message, copied so the header can be read across chunks. */
  readonly #header = new Uint8Array(HEADER_SIZE);
  readonly #chunks: Uint8Array[] = [];
  #length = 0;
  /** Largest allowed message length; known once the type byte has arrived. */
  #maxLength = 0;

  /**
   * @param limits - limits from {@link validateLimits}.
   * @throws TypeError when `limits` is invalid.
   */
  constructor(limits: WireLimits = DEFAULT_LIMITS) {
    this.#limits = resolveLimits(limits);
  }

  /** Bytes buffered for the current message. */
  get buffered(): number {
    return this.#length;
  }

  /**
   * Adds the next piece of the current message.
   *
   * @throws ZerogateError (closeCode 1002) `ZG_ERR_WIRE_UNKNOWN_TYPE` once the type byte is
   *   known to be invalid, `ZG_ERR_WIRE_BAD_STREAM` once the header is, and
   *   `ZG_ERR_WIRE_FRAME_TOO_LARGE` (`ZG_ERR_WIRE_BAD_PAYLOAD` for fixed-size types) as soon as
   *   the message would exceed its limit; the chunk is then not kept.
   * @throws TypeError when `chunk` is not a Uint8Array.
   */
  push(chunk: Uint8Array): void {
    if (!(chunk instanceof Uint8Array)) throw new TypeError('chunk must be a Uint8Array');
    const size = chunk.length;
    if (size === 0) return;
    const before = this.#length;
    try {
      if (before < HEADER_SIZE) this.#checkHeader(chunk, before);
      if (before + size > this.#maxLength) {
        const type = this.#header[0]!;
        throw oversizeError(type, readU32(this.#header, 1), before + size - HEADER_SIZE);
      }
    } catch (error) {
      this.reset();
      throw error;
    }
    this.#chunks.push(chunk);
    this.#length = before + size;
  }

  /**
   * Ends the current message: decodes it and resets for the next one.
   *
   * @throws ZerogateError with a `ZG_ERR_WIRE_*` code and closeCode 1002, as `decodeFrame`.
   */
  end(): Frame {
    const chunks = this.#chunks;
    let message: Uint8Array;
    if (chunks.length === 1) {
      message = chunks[0]!;
    } else if (chunks.length === 0) {
      message = EMPTY;
    } else {
      message = new Uint8Array(this.#length);
      let offset = 0;
      for (let i = 0; i < chunks.length; i++) {
        const chunk = chunks[i]!;
        message.set(chunk, offset);
        offset += chunk.length;
      }
    }
    this.reset();
    return decodeFrame(message, this.#limits);
  }

  /** Drops the current message, if any. */
  reset(): void {
    this.#chunks.length = 0;
    this.#length = 0;
    this.#maxLength = 0;
  }

  /** Copies header bytes from `chunk` and checks each header field once its bytes are in. */
  #checkHeader(chunk: Uint8Array, before: number): void {
    const header = this.#header;
    const take = Math.min(HEADER_SIZE - before, chunk.length);
    for (let i = 0; i < take; i++) header[before + i] = chunk[i]!;
    if (before === 0) {
      const type = header[0]!;
      const max = payloadLimit(type, this.#limits);
      if (max < 0) throw unknownTypeError(type);
      this.#maxLength = HEADER_SIZE + max;
    }
    if (before + take === HEADER_SIZE) {
      const error = streamError(header[0]!, readU32(header, 1));
      if (error !== undefined) throw error;
    }
  }
}
