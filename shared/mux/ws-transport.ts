import type { FrameTransport } from './types.ts';

/**
 * A {@link FrameTransport} over a `ws` WebSocket with a zero-copy path for DATA frames.
 *
 * `ws` writes a message as two buffers (its header, then the payload); Node's TLS layer then
 * joins them into one new allocation before encrypting. For DATA, the hot path, we instead leave
 * room in front of our frame, write the RFC 6455 header there ourselves and hand the socket one
 * buffer: no copy in JavaScript and none in the TLS layer. Everything else (control frames,
 * pings, close) still goes through `ws`, which writes synchronously to the same socket, so the
 * order on the wire is the order of the calls. This relies on permessage-deflate being off (it
 * always is on the tunnel: DESIGN.md §12).
 *
 * Structural types only, so `shared/` stays free of Node imports.
 */

/** Bytes in front of a frame that the largest WebSocket header needs: 2 + 8 (length) + 4 (mask). */
export const WS_HEADROOM = 14;

const OPEN = 1;
const FIN_BINARY = 0x82;
const MASK_BIT = 0x80;

export interface WsLike {
  readonly readyState: number;
  send(data: Uint8Array, options: { binary: boolean }): void;
  close(code: number, reason: string): void;
}

export interface RawSocketLike {
  write(data: Uint8Array, callback?: (error?: Error | null) => void): boolean;
  readonly writableLength: number;
  once(event: 'drain', listener: () => void): unknown;
}

/**
 * Unsent bytes a tunnel connection may hold before its streams stop reading their sockets.
 * Credit alone would let a peer that grants much and reads nothing park up to 16 MiB per stream
 * here (the HTTP/2 "data dribble" class of attack, CVE-2019-9517); this bounds the connection.
 */
export const CONGESTION_BYTES = 2 * 1024 * 1024;

/**
 * Writes a WebSocket header for a final binary message of `payloadLength` bytes so that it ends
 * at `end`; returns where it starts. A client (`masked`) uses the all-zero mask key, which leaves
 * the payload as it is: inside TLS, masking protects nothing (RFC 6455 §10.3 guards intermediaries
 * that read cleartext).
 */
export function writeWebSocketHeader(buffer: Uint8Array, end: number, payloadLength: number, masked: boolean): number {
  const maskBytes = masked ? 4 : 0;
  const lengthBytes = payloadLength < 126 ? 0 : payloadLength <= 0xffff ? 2 : 8;
  const start = end - 2 - lengthBytes - maskBytes;
  if (start < 0) throw new TypeError('not enough headroom for the WebSocket header');
  buffer[start] = FIN_BINARY;
  let i = start + 2;
  if (lengthBytes === 0) {
    buffer[start + 1] = payloadLength | (masked ? MASK_BIT : 0);
  } else if (lengthBytes === 2) {
    buffer[start + 1] = 126 | (masked ? MASK_BIT : 0);
    buffer[i++] = payloadLength >>> 8;
    buffer[i++] = payloadLength & 0xff;
  } else {
    buffer[start + 1] = 127 | (masked ? MASK_BIT : 0);
    const high = Math.floor(payloadLength / 0x1_0000_0000);
    const low = payloadLength >>> 0;
    buffer[i++] = high >>> 24;
    buffer[i++] = (high >>> 16) & 0xff;
    buffer[i++] = (high >>> 8) & 0xff;
    buffer[i++] = high & 0xff;
    buffer[i++] = low >>> 24;
    buffer[i++] = (low >>> 16) & 0xff;
    buffer[i++] = (low >>> 8) & 0xff;
    buffer[i++] = low & 0xff;
  }
  if (masked) {
    buffer[i++] = 0;
    buffer[i++] = 0;
    buffer[i++] = 0;
    buffer[i++] = 0;
  }
  return start;
}

/** The tunnel transport for a WebSocket; `role` decides masking (the agent is the client). */
export function wsTransport(ws: WsLike, socket: RawSocketLike, role: 'agent' | 'proxy'): FrameTransport {
  const masked = role === 'agent';
  return {
    send: (frame) => ws.send(frame, { binary: true }),
    close: (code, reason) => ws.close(code, reason),
    headroom: WS_HEADROOM,
    congested: () => socket.writableLength > CONGESTION_BYTES,
    onDrain: (callback) => socket.once('drain', callback),
    sendWithHeadroom(buffer, start, end, onWritten) {
      if (ws.readyState !== OPEN) return;
      const from = writeWebSocketHeader(buffer, start, end - start, masked);
      const frame = from === 0 && end === buffer.length ? buffer : buffer.subarray(from, end);
      // The callback also runs when the write fails (socket destroyed): the buffer is free then too.
      socket.write(frame, onWritten);
    },
  };
}
