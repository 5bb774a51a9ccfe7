import { ZerogateError } from '../errors.ts';
import { encodeDataHeader, encodeFrame, encodeWindow, FrameType, HEADER_SIZE, type Problem, type WireLimits } from '../wire/index.ts';
import type { ByteSocket } from './types.ts';

/** What a stream needs from its multiplexer. */
export interface StreamHost {
  readonly limits: WireLimits;
  send(frame: Uint8Array): void;
  /** Bytes to leave in front of a DATA frame (the transport's header room). */
  readonly headroom: number;
  /** A buffer for one DATA frame of `payload` bytes (at most `maxFramePayload`) after `headroom + HEADER_SIZE`. */
  acquireFrame(payload: number): Uint8Array;
  /** Sends a DATA frame built at `frame[headroom, end)`; the host recycles `frame` once written. */
  sendData(frame: Uint8Array, end: number): void;
  release(stream: MuxStream, problem: Problem | undefined): void;
  countIn(bytes: number): void;
  countOut(bytes: number): void;
  /** Monotonic milliseconds. */
  now(): number;
  /** Asks for `bytes` more receive window from the connection's auto-tuning budget. */
  reserveWindow(bytes: number): boolean;
  releaseWindow(bytes: number): void;
  /** The connection has too much queued to send: streams stop reading until it drains. */
  congested(): boolean;
  /** Calls `stream.resumeSending()` once the connection has drained. */
  waitForDrain(stream: MuxStream): void;
}

export type StreamState = 'opening' | 'open' | 'closed';

export interface StreamEvents {
  /** The peer accepted the stream (agent side). */
  onOpenOk?: () => void;
  /** The peer refused the stream (agent side); the socket has been destroyed. */
  onOpenFail?: (problem: Problem) => void;
  /** The stream ended, cleanly (`problem` undefined) or by a reset. Called once. */
  onClose?: (problem: Problem | undefined) => void;
}

/**
 * Grant credit back once this fraction of the window has been consumed, so WINDOW frames stay
 * rare on a busy stream but the sender never stalls with credit owed.
 */
const GRANT_DIVISOR = 4;
/**
 * Receive-window auto-tuning: a stream whose consumer keeps up but whose sender runs out of
 * credit gets its window doubled, up to this size (bounded per connection by the mux budget).
 * One stream then fills a fast path; a slow consumer never grows its window.
 */
export const AUTOTUNE_MAX_WINDOW = 4 * 1024 * 1024;
/**
 * A stream grows its window when its consumer took half a window in less than this. At the
 * initial 256 KiB that is ~13 MB/s; each doubling needs twice the rate, so growth stops where
 * the window no longer limits. (The idea of quic-go's flow controller, with a fixed epoch in
 * place of an RTT estimate.)
 */
export const AUTOTUNE_EPOCH_MS = 10;

/**
 * One multiplexed stream bridging a byte socket and the tunnel, with per-stream credit flow
 * control (docs/protocol.md): we never send more DATA than the peer granted, and we grant the
 * peer more only as our socket drains, so a slow reader bounds memory on both sides.
 */
export class MuxStream {
  readonly id: number;
  readonly app: string;
  readonly target: string | undefined;
  readonly #host: StreamHost;
  readonly #events: StreamEvents;
  #state: StreamState = 'opening';
  #socket: ByteSocket | undefined;
  #sendCredit: number;
  #recvWindow: number;
  /** This stream's receive window: initialWindow, grown by auto-tuning. */
  #windowSize: number;
  #epochStart: number;
  #epochBytes = 0;
  #ungranted = 0;
  #waitingDrain = false;
  #pending: Uint8Array | undefined;
  #endAfterPending = false;
  #finSent = false;
  #finReceived = false;
  #socketEnded = false;
  bytesIn = 0;
  bytesOut = 0;

  constructor(host: StreamHost, id: number, app: string, target: string | undefined, events: StreamEvents = {}) {
    this.#host = host;
    this.id = id;
    this.app = app;
    this.target = target;
    this.#events = events;
    this.#sendCredit = host.limits.initialWindow;
    this.#recvWindow = host.limits.initialWindow;
    this.#windowSize = host.limits.initialWindow;
    this.#epochStart = host.now();
  }

  get state(): StreamState {
    return this.#state;
  }

  /** Sets the close handler after construction (the proxy side learns of a stream from the mux). */
  set onClose(handler: (problem: Problem | undefined) => void) {
    this.#events.onClose = handler;
  }

  /** Binds the local socket. It stays paused until the stream is open. */
  attach(socket: ByteSocket): void {
    if (this.#socket !== undefined) throw new TypeError('stream already has a socket');
    this.#socket = socket;
    socket.pause();
    socket.on('data', (chunk) => this.#onSocketData(chunk));
    socket.on('end', () => this.#onSocketEnd());
    socket.on('drain', () => this.#onSocketDrain());
    socket.on('error', () => {
      this.reset({ code: 'ZG_ERR_STREAM_RESET', reasons: [], message: 'the connection failed' });
    });
    socket.on('close', () => {
      // A socket that finished both ways closes while its last bytes may still wait for credit:
      // that is a clean end. Any other close loses data in one direction and must reset.
      if (this.#state !== 'closed' && !(this.#socketEnded && this.#finReceived)) {
        this.reset({ code: 'ZG_ERR_STREAM_RESET', reasons: [], message: 'the connection closed' });
      }
    });
    if (this.#state === 'open') socket.resume();
  }

  /** Proxy side: the stream is allowed and its upstream is connected. Sends OPEN_OK. */
  accept(socket: ByteSocket): void {
    if (this.#state !== 'opening') {
      socket.destroy();
      return;
    }
    this.#host.send(encodeFrame({ type: FrameType.OPEN_OK, stream: this.id }));
    this.#state = 'open';
    this.attach(socket);
  }

  /** Proxy side: refuse the stream with a problem (OPEN_FAIL). */
  reject(problem: Problem): void {
    if (this.#state !== 'opening') return;
    this.#host.send(encodeFrame({ type: FrameType.OPEN_FAIL, stream: this.id, problem }));
    this.#teardown(problem);
  }

  /** Abort the stream in both directions and tell the peer why (RST). */
  reset(problem: Problem): void {
    if (this.#state === 'closed') return;
    this.#host.send(encodeFrame({ type: FrameType.RST, stream: this.id, problem }));
    this.#teardown(problem);
  }

  // --- frames from the peer (called by the mux) ---

  /** @internal */
  handleOpenOk(): void {
    if (this.#state !== 'opening') throw stateError(this.id, 'OPEN_OK');
    this.#state = 'open';
    this.#socket?.resume();
    this.#events.onOpenOk?.();
  }

  /** @internal */
  handleOpenFail(problem: Problem): void {
    if (this.#state !== 'opening') throw stateError(this.id, 'OPEN_FAIL');
    this.#events.onOpenFail?.(problem);
    this.#teardown(problem);
  }

  /** @internal `first`/`last`: a piece of a DATA frame read as it arrives (`Mux.receiveData`). */
  handleData(data: Uint8Array, first = true, last = true): void {
    const socket = this.#socket;
    if (this.#state !== 'open' || this.#finReceived || socket === undefined) throw stateError(this.id, 'DATA');
    if (data.length > this.#recvWindow) {
      throw new ZerogateError('ZG_ERR_WIRE_FLOW_CONTROL', `stream ${this.id}: DATA exceeds the granted window`, {
        closeCode: 1002,
      });
    }
    this.#recvWindow -= data.length;
    this.bytesIn += data.length;
    this.#host.countIn(data.length);
    // A frame arriving in pieces is corked, so the application gets it in one write, not four.
    const pieces = !(first && last) && socket.cork !== undefined && socket.uncork !== undefined;
    if (pieces && first) socket.cork!();
    const accepted = socket.write(data);
    this.#ungranted += data.length;
    if (pieces && !last) return;
    let flushed = accepted;
    if (pieces) {
      socket.uncork!();
      // Corked writes report "full" early; what counts is whether a drain is still owed.
      flushed = socket.writableLength === 0 || socket.writableNeedDrain === false;
    }
    if (!flushed) {
      this.#waitingDrain = true;
    } else if (!this.#waitingDrain && this.#ungranted >= this.#windowSize / GRANT_DIVISOR) {
      this.#grant(true);
    }
  }


  /** @internal */
  handleWindow(increment: number): void {
    if (this.#state === 'closed') return;
    this.#sendCredit += increment;
    if (this.#sendCredit > this.#host.limits.maxWindow) {
      throw new ZerogateError('ZG_ERR_WIRE_FLOW_CONTROL', `stream ${this.id}: WINDOW exceeds the maximum window`, {
        closeCode: 1002,
      });
    }
    this.resumeSending();
  }

  /**
   * @internal Credit arrived or the connection drained: send what waits, then read the socket
   * again. Sending may stop again at once (still no credit, or congested again).
   */
  resumeSending(): void {
    if (this.#state === 'closed') return;
    const pending = this.#pending;
    if (pending !== undefined) {
      this.#pending = undefined;
      this.#sendChunk(pending);
      if (this.#pending !== undefined) return;
      if (this.#endAfterPending) {
        this.#sendFin();
        return;
      }
    }
    if (this.#state === 'open') this.#socket?.resume();
  }

  /** @internal */
  handleFin(): void {
    if (this.#state !== 'open' || this.#finReceived) throw stateError(this.id, 'FIN');
    this.#finReceived = true;
    this.#socket?.end();
    this.#maybeFinish();
  }

  /** @internal */
  handleReset(problem: Problem): void {
    if (this.#state === 'closed') return;
    this.#teardown(problem);
  }

  /** @internal The connection is gone: drop the socket without telling the peer. */
  abort(problem: Problem): void {
    if (this.#state === 'closed') return;
    this.#teardown(problem);
  }

  // --- local socket events ---

  #onSocketData(chunk: Uint8Array): void {
    if (this.#pending !== undefined) {
      // Data arrived after we paused: keep it behind what is already waiting.
      const merged = new Uint8Array(this.#pending.length + chunk.length);
      merged.set(this.#pending, 0);
      merged.set(chunk, this.#pending.length);
      this.#pending = merged;
      return;
    }
    this.#sendChunk(chunk);
  }

  #sendChunk(chunk: Uint8Array): void {
    const max = this.#host.limits.maxFramePayload;
    let offset = 0;
    while (offset < chunk.length) {
      // Credit bounds what the peer must hold; congestion bounds what the connection holds.
      const congested = this.#host.congested();
      const n = congested ? 0 : Math.min(chunk.length - offset, this.#sendCredit, max);
      if (n === 0) {
        // A copy: the socket may read into a buffer it reuses (an `onread` buffer). Not
        // `chunk.slice()`: on a Node Buffer that is a view, not a copy.
        this.#pending = Uint8Array.prototype.slice.call(chunk, offset);
        this.#socket?.pause();
        if (congested) this.#host.waitForDrain(this);
        return;
      }
      const room = this.#host.headroom;
      const frame = this.#host.acquireFrame(n);
      encodeDataHeader(this.id, frame, room);
      frame.set(n === chunk.length ? chunk : chunk.subarray(offset, offset + n), room + HEADER_SIZE);
      this.#host.sendData(frame, room + HEADER_SIZE + n);
      this.#sendCredit -= n;
      this.bytesOut += n;
      this.#host.countOut(n);
      offset += n;
    }
  }

  #onSocketEnd(): void {
    this.#socketEnded = true;
    if (this.#state !== 'open') return;
    if (this.#pending !== undefined) {
      this.#endAfterPending = true;
      return;
    }
    this.#sendFin();
  }

  #sendFin(): void {
    if (this.#finSent || this.#state !== 'open') return;
    this.#finSent = true;
    this.#host.send(encodeFrame({ type: FrameType.FIN, stream: this.id }));
    this.#maybeFinish();
  }

  #onSocketDrain(): void {
    if (!this.#waitingDrain) return;
    this.#waitingDrain = false;
    if (this.#state === 'open' && this.#ungranted > 0) this.#grant(false);
  }

  /** Returns consumed bytes to the sender; `keepingUp` when the socket took them without backpressure. */
  #grant(keepingUp: boolean): void {
    let increment = this.#ungranted;
    this.#ungranted = 0;
    if (keepingUp) increment += this.#autotune(increment);
    else this.#restartEpoch();
    this.#recvWindow += increment;
    this.#host.send(encodeWindow(this.id, increment));
  }

  /** Extra credit to grant when the consumer drains fast enough that the window is the limit. */
  #autotune(consumed: number): number {
    this.#epochBytes += consumed;
    const size = this.#windowSize;
    if (this.#epochBytes < size / 2) return 0;
    const fast = this.#host.now() - this.#epochStart < AUTOTUNE_EPOCH_MS;
    this.#restartEpoch();
    const cap = Math.min(AUTOTUNE_MAX_WINDOW, this.#host.limits.maxWindow);
    if (!fast || size * 2 > cap || !this.#host.reserveWindow(size)) return 0;
    this.#windowSize = size * 2;
    return size;
  }

  #restartEpoch(): void {
    this.#epochStart = this.#host.now();
    this.#epochBytes = 0;
  }

  #maybeFinish(): void {
    if (this.#finSent && this.#finReceived) this.#teardown(undefined);
  }

  #teardown(problem: Problem | undefined): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#pending = undefined;
    if (this.#windowSize > this.#host.limits.initialWindow) this.#host.releaseWindow(this.#windowSize - this.#host.limits.initialWindow);
    const socket = this.#socket;
    // A clean finish lets the socket flush what it holds. A reset drops it with a TCP RST, so the
    // application sees an error rather than an end-of-stream that would pass for complete data.
    if (socket !== undefined && problem !== undefined && !socket.destroyed) {
      if (socket.resetAndDestroy !== undefined) socket.resetAndDestroy();
      else socket.destroy();
    }
    this.#host.release(this, problem);
    this.#events.onClose?.(problem);
  }
}

function stateError(stream: number, frame: string): ZerogateError {
  return new ZerogateError('ZG_ERR_WIRE_STREAM_STATE', `stream ${stream}: ${frame} not allowed in this state`, {
    closeCode: 1002,
  });
}
