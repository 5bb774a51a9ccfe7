import { isZerogateError, ZerogateError } from '../errors.ts';
import {
  CLOSE_CODE_PROTOCOL_ERROR,
  MAX_STREAM_ID,
  decodeFrame,
  encodeFrame,
  FrameType,
  HEADER_SIZE,
  validateLimits,
  type ControlMessage,
  type OpenRequest,
  type Problem,
  type WireLimits,
} from '../wire/index.ts';
import { MuxStream, type StreamEvents, type StreamHost } from './stream.ts';
import type { ByteSocket, FrameTransport, MuxStats } from './types.ts';

/** WebSocket close code for a protocol violation (RFC 6455 §7.4.1). */
export const CLOSE_PROTOCOL_ERROR = CLOSE_CODE_PROTOCOL_ERROR;

export interface MuxOptions {
  /** The agent opens streams; the proxy accepts them. Frames that only the other role may send are violations. */
  role: 'agent' | 'proxy';
  limits?: Partial<WireLimits>;
  /** Proxy: a peer asked to open a stream; call `stream.accept(socket)` or `stream.reject(problem)`. */
  onOpen?: (stream: MuxStream, request: OpenRequest) => void;
  /** Proxy: decides before `onOpen` whether another open is allowed now (rate limits). */
  admitOpen?: (request: OpenRequest) => Problem | undefined;
  onControl?: (message: ControlMessage) => void;
  /** The peer broke the protocol; the connection has been closed with 1002. */
  onProtocolError?: (error: ZerogateError) => void;
  /** Frame allocator; Node hosts pass `Buffer.allocUnsafe` to skip zero-filling. */
  allocate?: (size: number) => Uint8Array;
  /** Monotonic clock in milliseconds (tests inject one). */
  now?: () => number;
}

/**
 * DATA frame buffers kept for reuse, per frame size, shared by every connection of the process
 * (at the default 64 KiB frames: 4 MiB at most). A connection of a thousand idle agents then
 * holds no buffers, and a busy one allocates nothing in steady state.
 */
export const FRAME_POOL_MAX = 64;
/** Payloads below this get an exact-size buffer instead of a pooled full-size one. */
export const POOLED_MIN_PAYLOAD = 16 * 1024;
const framePools = new Map<number, Uint8Array[]>();

function poolFor(size: number): Uint8Array[] {
  let pool = framePools.get(size);
  if (pool === undefined) framePools.set(size, (pool = []));
  return pool;
}

/** Extra receive window all streams of one connection may gain by auto-tuning, together. */
export const AUTOTUNE_CONNECTION_BUDGET = 32 * 1024 * 1024;

const zeroed = (size: number): Uint8Array => new Uint8Array(size);

/**
 * Connection-level multiplexer: dispatches decoded frames to streams, enforces stream-id rules
 * and the stream limit, and closes the connection with 1002 on any protocol violation. It is
 * pure: it sees frames through a {@link FrameTransport} and sockets through {@link ByteSocket}.
 */
export class Mux implements StreamHost {
  readonly limits: WireLimits;
  readonly #transport: FrameTransport;
  readonly #options: MuxOptions;
  readonly #streams = new Map<number, MuxStream>();
  /** Highest stream id ever used on this connection: ids only grow, so a frame for a lower unknown id is late, not bogus. */
  #highestId = 0;
  #closed = false;
  #autotuned = 0;
  /** The stream the DATA frame being read in pieces belongs to. */
  #dataTarget: MuxStream | undefined;
  #dataRemaining = 0;
  /** Streams waiting for the connection to drain. */
  readonly #blocked = new Set<MuxStream>();
  #drainArmed = false;
  readonly allocate: (size: number) => Uint8Array;
  readonly now: () => number;
  /** Header room DATA frames leave for the transport (0 when it has no zero-copy path). */
  readonly headroom: number;
  readonly #frameSize: number;
  readonly #pool: Uint8Array[];
  readonly #stats: MuxStats = { streamsOpened: 0, streamsActive: 0, bytesIn: 0, bytesOut: 0 };

  constructor(transport: FrameTransport, options: MuxOptions) {
    this.#transport = transport;
    this.#options = options;
    this.limits = validateLimits(options.limits);
    this.allocate = options.allocate ?? zeroed;
    this.now = options.now ?? (() => performance.now());
    this.headroom = transport.sendWithHeadroom === undefined ? 0 : (transport.headroom ?? 0);
    this.#frameSize = this.headroom + HEADER_SIZE + this.limits.maxFramePayload;
    this.#pool = poolFor(this.#frameSize);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get stats(): Readonly<MuxStats> {
    this.#stats.streamsActive = this.#streams.size;
    return this.#stats;
  }

  /** The live streams. */
  streams(): IterableIterator<MuxStream> {
    return this.#streams.values();
  }

  /** Agent: open a stream to `app`, carrying `socket` once the proxy accepts it. */
  open(request: OpenRequest, socket: ByteSocket, events: StreamEvents = {}): MuxStream {
    if (this.#options.role !== 'agent') throw new TypeError('only the agent opens streams');
    if (this.#closed) throw new ZerogateError('ZG_ERR_TUNNEL_CLOSED', 'the tunnel is closed');
    if (this.#streams.size >= this.limits.maxStreams) {
      throw new ZerogateError('ZG_ERR_STREAM_LIMIT', `at most ${this.limits.maxStreams} streams per connection`);
    }
    if (this.#highestId >= MAX_STREAM_ID) {
      throw new ZerogateError('ZG_ERR_STREAM_LIMIT', 'stream ids exhausted on this connection');
    }
    const id = ++this.#highestId;
    const stream = new MuxStream(this, id, request.app, request.target, events);
    this.#streams.set(id, stream);
    this.#stats.streamsOpened++;
    stream.attach(socket);
    this.send(encodeFrame({ type: FrameType.OPEN, stream: id, app: request.app, target: request.target }));
    return stream;
  }

  sendControl(message: ControlMessage): void {
    if (this.#closed) return;
    this.send(encodeFrame({ type: FrameType.CONTROL, stream: 0, message }));
  }

  /** Feed one received WebSocket message. Never throws: violations close the connection. */
  receive(message: Uint8Array): void {
    if (this.#closed) return;
    try {
      this.#dispatch(message);
    } catch (error) {
      if (isZerogateError(error) && error.code.startsWith('ZG_ERR_WIRE_')) {
        this.#violation(error);
        return;
      }
      throw error;
    }
  }

  /**
   * Feed one piece of a DATA frame from a streaming reader (the fast path at both ends, which skips
   * joining a frame's pieces into one buffer). Checks match {@link receive}'s for DATA; flow
   * control counts each piece. Never throws: violations close the connection.
   */
  receiveData(streamId: number, piece: Uint8Array, first: boolean, payloadLength: number): void {
    if (this.#closed) return;
    try {
      if (first) {
        if (streamId === 0) {
          throw new ZerogateError('ZG_ERR_WIRE_BAD_STREAM', 'DATA on stream 0', { closeCode: CLOSE_PROTOCOL_ERROR });
        }
        if (payloadLength > this.limits.maxFramePayload) {
          throw new ZerogateError('ZG_ERR_WIRE_FRAME_TOO_LARGE', `DATA of ${payloadLength} bytes exceeds ${this.limits.maxFramePayload}`, {
            closeCode: CLOSE_PROTOCOL_ERROR,
          });
        }
        this.#dataTarget = this.#known(streamId, 'DATA');
        this.#dataRemaining = payloadLength;
      }
      this.#dataRemaining -= piece.length;
      const target = this.#dataTarget;
      // A stream that ended mid-frame (its socket failed) drops the rest, like a late frame.
      if (target !== undefined && target.state !== 'closed') target.handleData(piece, first, this.#dataRemaining <= 0);
    } catch (error) {
      if (isZerogateError(error) && error.code.startsWith('ZG_ERR_WIRE_')) {
        this.#violation(error);
        return;
      }
      throw error;
    }
  }

  /** The connection ended (or is being ended by us): abort every stream. */
  close(problem: Problem = { code: 'ZG_ERR_TUNNEL_CLOSED', reasons: [], message: 'the tunnel closed' }): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#blocked.clear();
    for (const stream of [...this.#streams.values()]) stream.abort(problem);
    this.#streams.clear();
  }

  // --- StreamHost ---

  send(frame: Uint8Array): void {
    if (!this.#closed) this.#transport.send(frame);
  }

  acquireFrame(payload: number): Uint8Array {
    // Small frames get a buffer of their own size: a pooled full-size buffer would pin 64 KiB
    // per few bytes while queued (a chatty upstream to a slow reader).
    if (this.headroom === 0 || payload < POOLED_MIN_PAYLOAD) return this.allocate(this.headroom + HEADER_SIZE + payload);
    return this.#pool.pop() ?? this.allocate(this.#frameSize);
  }

  sendData(frame: Uint8Array, end: number): void {
    if (this.#closed) return;
    const room = this.headroom;
    if (room === 0) {
      this.#transport.send(frame.subarray(0, end));
      return;
    }
    if (frame.length !== this.#frameSize) {
      this.#transport.sendWithHeadroom!(frame, room, end);
      return;
    }
    // Steady state allocates nothing: the buffer comes back once the socket has taken it.
    this.#transport.sendWithHeadroom!(frame, room, end, () => {
      if (this.#pool.length < FRAME_POOL_MAX) this.#pool.push(frame);
    });
  }

  release(stream: MuxStream): void {
    this.#streams.delete(stream.id);
  }

  countIn(bytes: number): void {
    this.#stats.bytesIn += bytes;
  }

  countOut(bytes: number): void {
    this.#stats.bytesOut += bytes;
  }

  congested(): boolean {
    return this.#transport.congested?.() ?? false;
  }

  waitForDrain(stream: MuxStream): void {
    this.#blocked.add(stream);
    if (this.#drainArmed || this.#transport.onDrain === undefined) return;
    this.#drainArmed = true;
    this.#transport.onDrain(() => {
      this.#drainArmed = false;
      const blocked = [...this.#blocked];
      this.#blocked.clear();
      for (const s of blocked) s.resumeSending();
    });
  }

  reserveWindow(bytes: number): boolean {
    if (this.#autotuned + bytes > AUTOTUNE_CONNECTION_BUDGET) return false;
    this.#autotuned += bytes;
    return true;
  }

  releaseWindow(bytes: number): void {
    this.#autotuned -= bytes;
  }

  // --- dispatch ---

  #dispatch(message: Uint8Array): void {
    const frame = decodeFrame(message, this.limits);
    switch (frame.type) {
      case FrameType.DATA:
        this.#known(frame.stream, 'DATA')?.handleData(frame.data);
        return;
      case FrameType.WINDOW:
        this.#known(frame.stream, 'WINDOW')?.handleWindow(frame.increment);
        return;
      case FrameType.OPEN:
        this.#onOpen(frame.stream, frame.target === undefined ? { app: frame.app } : { app: frame.app, target: frame.target });
        return;
      case FrameType.OPEN_OK:
        this.#requireRole('agent', 'OPEN_OK');
        this.#known(frame.stream, 'OPEN_OK')?.handleOpenOk();
        return;
      case FrameType.OPEN_FAIL:
        this.#requireRole('agent', 'OPEN_FAIL');
        this.#known(frame.stream, 'OPEN_FAIL')?.handleOpenFail(frame.problem);
        return;
      case FrameType.FIN:
        this.#known(frame.stream, 'FIN')?.handleFin();
        return;
      case FrameType.RST:
        this.#known(frame.stream, 'RST')?.handleReset(frame.problem);
        return;
      case FrameType.CONTROL:
        this.#options.onControl?.(frame.message);
        return;
    }
  }

  #onOpen(id: number, request: OpenRequest): void {
    this.#requireRole('proxy', 'OPEN');
    if (id <= this.#highestId) {
      throw new ZerogateError('ZG_ERR_WIRE_BAD_STREAM', `OPEN for stream ${id}: stream ids must increase`, {
        closeCode: CLOSE_PROTOCOL_ERROR,
      });
    }
    this.#highestId = id;
    const stream = new MuxStream(this, id, request.app, request.target);
    if (this.#streams.size >= this.limits.maxStreams) {
      stream.reject({
        code: 'ZG_ERR_STREAM_LIMIT',
        reasons: ['rate-limited'],
        message: `at most ${this.limits.maxStreams} streams per connection`,
      });
      return;
    }
    const refusal = this.#options.admitOpen?.(request);
    if (refusal !== undefined) {
      stream.reject(refusal);
      return;
    }
    this.#streams.set(id, stream);
    this.#stats.streamsOpened++;
    if (this.#options.onOpen === undefined) {
      stream.reject({ code: 'ZG_ERR_POLICY_APP_NOT_FOUND', reasons: ['app-not-found'], message: 'no apps are served here' });
      return;
    }
    this.#options.onOpen(stream, request);
  }

  #known(id: number, frame: string): MuxStream | undefined {
    const stream = this.#streams.get(id);
    if (stream !== undefined) return stream;
    if (id <= this.#highestId) return undefined; // late frame for a stream that already ended
    throw new ZerogateError('ZG_ERR_WIRE_BAD_STREAM', `${frame} for stream ${id}, which was never opened`, {
      closeCode: CLOSE_PROTOCOL_ERROR,
    });
  }

  #requireRole(role: MuxOptions['role'], frame: string): void {
    if (this.#options.role !== role) {
      throw new ZerogateError('ZG_ERR_WIRE_STREAM_STATE', `${frame} may only be sent to the ${role}`, {
        closeCode: CLOSE_PROTOCOL_ERROR,
      });
    }
  }

  #violation(error: ZerogateError): void {
    this.close({ code: 'ZG_ERR_TUNNEL_CLOSED', reasons: [], message: 'protocol violation' });
    this.#transport.close(CLOSE_PROTOCOL_ERROR, error.code);
    this.#options.onProtocolError?.(error);
  }
}
