/**
 * The two things a multiplexer needs from its environment, as minimal structural interfaces so
 * that `shared/` stays free of Node imports: a byte socket (a `net.Socket` fits) and a message
 * transport (a WebSocket fits).
 */

/** A duplex byte stream with backpressure, as `net.Socket` implements it. */
export interface ByteSocket {
  /** Returns false when the socket's buffer is full; the caller then waits for `drain`. */
  write(chunk: Uint8Array): boolean;
  end(): unknown;
  destroy(error?: Error): unknown;
  /** Close with a TCP RST where the socket is TCP (`net.Socket`), so the peer sees an abort. */
  resetAndDestroy?(): unknown;
  pause(): unknown;
  resume(): unknown;
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'drain' | 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  readonly destroyed: boolean;
  /** Optional batching (`net.Socket`): writes between cork and uncork go out together. */
  cork?(): void;
  uncork?(): void;
  readonly writableLength?: number;
  readonly writableNeedDrain?: boolean;
}

/** Sends one binary message per frame; `close` ends the whole connection. */
export interface FrameTransport {
  send(frame: Uint8Array): void;
  close(code: number, reason: string): void;
  /** Bytes a DATA frame should leave free in front of it for {@link sendWithHeadroom}. */
  readonly headroom?: number;
  /**
   * Sends `buffer[start, end)` as one frame, using `buffer[0, start)` for the transport's own
   * header. `onWritten` runs once the transport no longer needs `buffer` (it may be reused).
   */
  sendWithHeadroom?(buffer: Uint8Array, start: number, end: number, onWritten?: () => void): void;
  /** True while the connection holds more unsent bytes than it should (backpressure). */
  congested?(): boolean;
  /** Calls `callback` once when the connection has flushed what it held. */
  onDrain?(callback: () => void): void;
}

/** Counters a multiplexer keeps; read by metrics and tests. */
export interface MuxStats {
  streamsOpened: number;
  streamsActive: number;
  bytesIn: number;
  bytesOut: number;
}
