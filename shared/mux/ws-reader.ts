import { FrameType, HEADER_SIZE } from '../wire/index.ts';

/**
 * A streaming reader of tunnel WebSocket frames (RFC 6455 §5.2), for the hot path at both ends. The `ws` receiver joins the TLS layer's 16 KiB pieces into one new buffer per message:
 * for a 64 KiB DATA frame, an allocation and a copy that only feed a socket write. This reader
 * hands DATA payload to the stream piece by piece as it arrives instead. Every other tunnel frame
 * goes to the multiplexer whole, and every other WebSocket frame (ping, pong, close, text,
 * fragments, frames masked with a non-zero key, oversized frames) is passed byte for byte to the
 * `ws` receiver, which
 * keeps owning the WebSocket protocol.
 *
 * Pure: it sees only bytes and callbacks.
 */
export interface WsReaderSink {
  /** A piece of a DATA frame's payload; `first` marks its first piece, `payloadLength` its whole size. */
  data(stream: number, piece: Uint8Array, first: boolean, payloadLength: number): void;
  /** A complete non-DATA tunnel frame (one binary message). */
  frame(message: Uint8Array): void;
  /** Raw bytes of a WebSocket frame this reader does not handle, for the `ws` receiver. */
  passthrough(bytes: Uint8Array): void;
}

const OPCODE_BINARY = 0x2;
const HEADER = 0;
const PASSTHROUGH = 1;
const TUNNEL_HEADER = 2;
const DATA_BODY = 3;
const MESSAGE_BODY = 4;

export class WsFrameReader {
  readonly #sink: WsReaderSink;
  readonly #maxMessage: number;
  #state = HEADER;
  /** Raw bytes of the WebSocket header being read: 2, plus 8 of length, plus 4 of mask at most. */
  readonly #header = new Uint8Array(14);
  #headerLength = 0;
  #remaining = 0;
  #payloadLength = 0;
  readonly #tunnelHeader = new Uint8Array(HEADER_SIZE);
  #tunnelHeaderLength = 0;
  #stream = 0;
  #message: Uint8Array | undefined;
  #messageOffset = 0;

  /** Messages longer than `maxMessage` are left to `ws`, which refuses them (1009). */
  constructor(sink: WsReaderSink, maxMessage: number) {
    this.#sink = sink;
    this.#maxMessage = maxMessage;
  }

  push(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#state === DATA_BODY) {
        const n = Math.min(this.#remaining, chunk.length - offset);
        const first = this.#remaining === this.#payloadLength - HEADER_SIZE;
        this.#remaining -= n;
        if (this.#remaining === 0) this.#state = HEADER;
        this.#sink.data(this.#stream, chunk.subarray(offset, offset + n), first, this.#payloadLength - HEADER_SIZE);
        offset += n;
      } else if (this.#state === HEADER) {
        offset = this.#readHeader(chunk, offset);
      } else if (this.#state === PASSTHROUGH) {
        const n = Math.min(this.#remaining, chunk.length - offset);
        this.#remaining -= n;
        if (this.#remaining === 0) this.#state = HEADER;
        this.#sink.passthrough(chunk.subarray(offset, offset + n));
        offset += n;
      } else if (this.#state === TUNNEL_HEADER) {
        const n = Math.min(HEADER_SIZE - this.#tunnelHeaderLength, chunk.length - offset);
        this.#tunnelHeader.set(chunk.subarray(offset, offset + n), this.#tunnelHeaderLength);
        this.#tunnelHeaderLength += n;
        this.#remaining -= n;
        offset += n;
        if (this.#tunnelHeaderLength === HEADER_SIZE) this.#startBody();
      } else {
        const message = this.#message!;
        const n = Math.min(this.#remaining, chunk.length - offset);
        message.set(chunk.subarray(offset, offset + n), this.#messageOffset);
        this.#messageOffset += n;
        this.#remaining -= n;
        offset += n;
        if (this.#remaining === 0) {
          this.#message = undefined;
          this.#state = HEADER;
          this.#sink.frame(message);
        }
      }
    }
  }

  #readHeader(chunk: Uint8Array, offset: number): number {
    while (offset < chunk.length) {
      this.#header[this.#headerLength++] = chunk[offset++]!;
      if (this.#headerLength >= 2 && this.#headerLength === this.#headerSize()) {
        this.#decide();
        break;
      }
    }
    return offset;
  }

  #headerSize(): number {
    const b1 = this.#header[1]!;
    const len7 = b1 & 0x7f;
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
  }

  #decide(): void {
    const h = this.#header;
    const b0 = h[0]!;
    const b1 = h[1]!;
    const len7 = b1 & 0x7f;
    let length = len7;
    if (len7 === 126) length = (h[2]! << 8) | h[3]!;
    else if (len7 === 127) {
      // Exact below 2^53; anything that large goes to `ws`, which refuses it.
      const high = h[2]! * 2 ** 24 + (h[3]! << 16) + (h[4]! << 8) + h[5]!;
      const low = h[6]! * 2 ** 24 + (h[7]! << 16) + (h[8]! << 8) + h[9]!;
      length = high * 2 ** 32 + low;
    }
    const headerBytes = this.#headerLength;
    this.#headerLength = 0;
    // A masked frame is ours only with the all-zero key (what our agent sends): its payload is
    // then unchanged. Any other key goes to `ws`, which unmasks.
    const masked = (b1 & 0x80) !== 0;
    const zeroKey = !masked || (h[headerBytes - 4]! | h[headerBytes - 3]! | h[headerBytes - 2]! | h[headerBytes - 1]!) === 0;
    const ours =
      (b0 & 0x80) !== 0 && // FIN: a whole message
      (b0 & 0x70) === 0 && // no extension bits
      (b0 & 0x0f) === OPCODE_BINARY &&
      zeroKey &&
      length >= HEADER_SIZE &&
      length <= this.#maxMessage;
    if (!ours) {
      this.#sink.passthrough(h.slice(0, headerBytes));
      this.#remaining = length;
      this.#state = length === 0 ? HEADER : PASSTHROUGH;
      return;
    }
    this.#payloadLength = length;
    this.#remaining = length;
    this.#tunnelHeaderLength = 0;
    this.#state = TUNNEL_HEADER;
  }

  #startBody(): void {
    const h = this.#tunnelHeader;
    if (h[0] === FrameType.DATA && this.#remaining > 0) {
      this.#stream = ((h[1]! << 24) >>> 0) + (h[2]! << 16) + (h[3]! << 8) + h[4]!;
      this.#state = DATA_BODY;
      return;
    }
    // Any other tunnel frame (or an empty DATA, which the decoder refuses) goes whole to the mux.
    const message = new Uint8Array(this.#payloadLength);
    message.set(h, 0);
    if (this.#remaining === 0) {
      this.#state = HEADER;
      this.#sink.frame(message);
      return;
    }
    this.#message = message;
    this.#messageOffset = HEADER_SIZE;
    this.#state = MESSAGE_BODY;
  }
}

/** The part of a `net.Socket` that {@link attachFrameReader} uses. */
export interface DataSocket {
  listeners(event: string): Function[];
  removeListener(event: string, listener: (...args: never[]) => unknown): unknown;
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
}

/** What the reader feeds: the multiplexer's whole-frame and piecewise entry points. */
export interface FrameConsumer {
  receive(message: Uint8Array): void;
  receiveData(stream: number, piece: Uint8Array, first: boolean, payloadLength: number): void;
}

/**
 * Puts a {@link WsFrameReader} in front of `ws` on a tunnel socket: DATA payload goes to the
 * streams piece by piece, other tunnel frames to the mux, and WebSocket frames the reader does not
 * handle to the `ws` receiver unchanged. Call it once `ws` has attached its own 'data' listener
 * (on 'open' or 'connection'), in the same tick, before any frame after the upgrade is read.
 * `asBuffer` turns bytes into what the `ws` receiver expects (a Node Buffer).
 */
export function attachFrameReader(socket: DataSocket, mux: FrameConsumer, maxMessage: number, asBuffer: (bytes: Uint8Array) => Uint8Array): void {
  const wsListeners = socket.listeners('data') as ((chunk: Uint8Array) => void)[];
  for (const listener of wsListeners) socket.removeListener('data', listener);
  const reader = new WsFrameReader(
    {
      data: (stream, piece, first, payloadLength) => mux.receiveData(stream, piece, first, payloadLength),
      frame: (message) => mux.receive(message),
      passthrough: (bytes) => {
        const buffer = asBuffer(bytes);
        for (const listener of wsListeners) listener.call(socket, buffer);
      },
    },
    maxMessage,
  );
  socket.on('data', (chunk) => reader.push(chunk));
}
