import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeData, encodeOpen, encodeWindow, FrameType, type Frame, type Problem } from '../wire/index.ts';
import { Mux, type MuxOptions } from './mux.ts';
import { AUTOTUNE_EPOCH_MS, AUTOTUNE_MAX_WINDOW } from './stream.ts';
import type { ByteSocket } from './types.ts';

/** A socket double: records what the stream writes and lets the test drive reads and backpressure. */
class FakeSocket extends EventEmitter implements ByteSocket {
  written: Uint8Array[] = [];
  paused = false;
  ended = false;
  destroyed = false;
  wasReset = false;
  accept = true;
  write(chunk: Uint8Array): boolean {
    this.written.push(chunk);
    return this.accept;
  }
  end(): void {
    this.ended = true;
  }
  destroy(): void {
    this.destroyed = true;
  }
  resetAndDestroy(): void {
    this.wasReset = true;
    this.destroyed = true;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  /** Delivers bytes as if read from the network (only while flowing, as a real socket). */
  feed(bytes: Uint8Array): void {
    if (this.paused) throw new Error('fed a paused socket');
    this.emit('data', bytes);
  }
  get bytesWritten(): number {
    return this.written.reduce((n, c) => n + c.length, 0);
  }
}

/** Two multiplexers joined by queues, delivered when the test says so. */
function pair(options: { agent?: Partial<MuxOptions>; proxy?: Partial<MuxOptions> } = {}) {
  const toProxy: Uint8Array[] = [];
  const toAgent: Uint8Array[] = [];
  const closes: { side: string; code: number; reason: string }[] = [];
  const agent = new Mux({ send: (f) => toProxy.push(f), close: (code, reason) => closes.push({ side: 'agent', code, reason }) }, { role: 'agent', ...options.agent });
  const proxy = new Mux({ send: (f) => toAgent.push(f), close: (code, reason) => closes.push({ side: 'proxy', code, reason }) }, { role: 'proxy', ...options.proxy });
  const flush = (): void => {
    while (toProxy.length > 0 || toAgent.length > 0) {
      while (toProxy.length > 0) proxy.receive(toProxy.shift()!);
      while (toAgent.length > 0) agent.receive(toAgent.shift()!);
    }
  };
  const peekToProxy = (): Frame[] => toProxy.map((f) => decodeFrame(f));
  return { agent, proxy, flush, closes, toProxy, toAgent, peekToProxy };
}

const KiB = 1024;

function acceptingProxy(upstreams: FakeSocket[]): Partial<MuxOptions> {
  return {
    onOpen: (stream) => {
      const socket = new FakeSocket();
      upstreams.push(socket);
      stream.accept(socket);
    },
  };
}

/** A joined pair with one stream open from `local` (agent side) to an accepting upstream. */
function opened<S extends FakeSocket>(local: S, agent: Partial<MuxOptions> = {}) {
  const upstreams: FakeSocket[] = [];
  const closed: (Problem | undefined)[] = [];
  const p = pair({ proxy: acceptingProxy(upstreams), agent });
  p.agent.open({ app: 'a' }, local, { onClose: (x) => closed.push(x) });
  p.flush();
  return { ...p, local, upstream: upstreams[0]!, closed };
}

describe('Mux and MuxStream', () => {
  it('opens a stream, carries bytes both ways and finishes cleanly after FIN both ways', () => {
    const upstreams: FakeSocket[] = [];
    const { agent, proxy, flush } = pair({ proxy: acceptingProxy(upstreams) });
    const local = new FakeSocket();
    const closed: (Problem | undefined)[] = [];
    let opened = false;
    const stream = agent.open({ app: 'wiki' }, local, { onOpenOk: () => (opened = true), onClose: (p) => closed.push(p) });
    expect(local.paused).toBe(true);
    flush();
    expect(opened).toBe(true);
    expect(local.paused).toBe(false);
    local.feed(Buffer.from('hello'));
    flush();
    expect(Buffer.concat(upstreams[0]!.written).toString()).toBe('hello');
    upstreams[0]!.feed(Buffer.from('world'));
    flush();
    expect(Buffer.concat(local.written).toString()).toBe('world');
    local.emit('end');
    flush();
    expect(upstreams[0]!.ended).toBe(true);
    upstreams[0]!.emit('end');
    flush();
    expect(local.ended).toBe(true);
    expect(stream.state).toBe('closed');
    expect(closed).toEqual([undefined]);
    expect(agent.stats.streamsActive).toBe(0);
    expect(proxy.stats.streamsActive).toBe(0);
    expect(local.destroyed).toBe(false);
  });

  it('never sends more than the granted credit, pauses the source, and resumes on WINDOW', () => {
    const { agent, toProxy, flush, proxy } = pair({ proxy: { onOpen: (s) => s.accept(new FakeSocket()) } });
    const local = new FakeSocket();
    agent.open({ app: 'a' }, local);
    flush();
    toProxy.length = 0;
    const window = agent.limits.initialWindow;
    local.feed(new Uint8Array(window + 10 * KiB));
    const sent = toProxy.map((f) => decodeFrame(f)).filter((f) => f.type === FrameType.DATA);
    const bytes = sent.reduce((n, f) => n + (f.type === FrameType.DATA ? f.data.length : 0), 0);
    expect(bytes).toBe(window);
    expect(sent.every((f) => f.type === FrameType.DATA && f.data.length <= agent.limits.maxFramePayload)).toBe(true);
    expect(local.paused).toBe(true);
    toProxy.length = 0;
    agent.receive(encodeWindow(1, 4 * KiB));
    expect(toProxy.map((f) => decodeFrame(f))).toMatchObject([{ type: FrameType.DATA, stream: 1 }]);
    expect((decodeFrame(toProxy[0]!) as { data: Uint8Array }).data.length).toBe(4 * KiB);
    expect(local.paused).toBe(true);
    agent.receive(encodeWindow(1, 64 * KiB));
    expect(local.paused).toBe(false);
    void proxy;
  });

  it('sends WINDOW after drain, for exactly the bytes the socket took', () => {
    const p = opened(new FakeSocket());
    const { local } = p;
    local.accept = false;
    p.upstream.feed(new Uint8Array(100 * KiB));
    while (p.toAgent.length > 0) p.agent.receive(p.toAgent.shift()!);
    // Nothing is granted while the application has not taken the bytes.
    expect(p.peekToProxy().filter((f) => f.type === FrameType.WINDOW)).toEqual([]);
    local.accept = true;
    local.emit('drain');
    expect(p.peekToProxy().filter((f) => f.type === FrameType.WINDOW)).toEqual([{ type: FrameType.WINDOW, stream: 1, increment: 100 * KiB }]);
  });

  it('closes the connection with 1002 when the peer sends more DATA than its window', () => {
    const errors: string[] = [];
    const closes: { code: number; reason: string }[] = [];
    const slow = new FakeSocket();
    slow.accept = false; // never drains, so no credit is granted back
    const mux = new Mux({ send: () => undefined, close: (code, reason) => closes.push({ code, reason }) }, { role: 'proxy', onOpen: (s) => s.accept(slow), onProtocolError: (e) => errors.push(e.code) });
    mux.receive(encodeOpen(1, { app: 'a' }));
    const chunk = new Uint8Array(mux.limits.maxFramePayload);
    for (let sent = 0; sent < mux.limits.initialWindow; sent += chunk.length) mux.receive(encodeData(1, chunk));
    expect(errors).toEqual([]);
    mux.receive(encodeData(1, new Uint8Array(1)));
    expect(errors).toEqual(['ZG_ERR_WIRE_FLOW_CONTROL']);
    expect(closes).toEqual([{ code: 1002, reason: 'ZG_ERR_WIRE_FLOW_CONTROL' }]);
    expect(slow.wasReset).toBe(true);
  });

  it('closes with 1002 on a WINDOW that pushes credit past the maximum', () => {
    const closes: number[] = [];
    const mux = new Mux({ send: () => undefined, close: (code) => closes.push(code) }, { role: 'proxy', onOpen: (s) => s.accept(new FakeSocket()) });
    mux.receive(encodeOpen(1, { app: 'a' }));
    mux.receive(encodeWindow(1, mux.limits.maxWindow));
    expect(closes).toEqual([1002]);
    expect(mux.closed).toBe(true);
  });

  it('ignores late frames for a stream that ended, but not frames for one never opened', () => {
    const closes: number[] = [];
    const mux = new Mux({ send: () => undefined, close: (code) => closes.push(code) }, { role: 'proxy', onOpen: (s) => s.reject({ code: 'ZG_ERR_POLICY_DENIED', reasons: ['user-not-allowed'], message: 'no' }) });
    mux.receive(encodeOpen(1, { app: 'a' }));
    mux.receive(encodeWindow(1, 10));
    mux.receive(encodeData(1, new Uint8Array(3)));
    expect(closes).toEqual([]);
    mux.receive(encodeData(7, new Uint8Array(3)));
    expect(closes).toEqual([1002]);
  });

  it('requires OPEN stream ids to increase', () => {
    const errors: string[] = [];
    const mux = new Mux({ send: () => undefined, close: () => undefined }, { role: 'proxy', onOpen: () => undefined, onProtocolError: (e) => errors.push(e.code) });
    mux.receive(encodeOpen(5, { app: 'a' }));
    mux.receive(encodeOpen(5, { app: 'a' }));
    expect(errors).toEqual(['ZG_ERR_WIRE_BAD_STREAM']);
  });

  it('refuses opens beyond maxStreams with OPEN_FAIL rate-limited, keeping the connection', () => {
    const sent: Frame[] = [];
    const closes: number[] = [];
    const mux = new Mux({ send: (f) => sent.push(decodeFrame(f)), close: (c) => closes.push(c) }, { role: 'proxy', limits: { maxStreams: 2 }, onOpen: () => undefined });
    for (let id = 1; id <= 3; id++) mux.receive(encodeOpen(id, { app: 'a' }));
    expect(sent).toEqual([{ type: FrameType.OPEN_FAIL, stream: 3, problem: { code: 'ZG_ERR_STREAM_LIMIT', reasons: ['rate-limited'], message: 'at most 2 streams per connection' } }]);
    expect(closes).toEqual([]);
  });

  // Regression: a socket that ended and closed while its last bytes waited for credit was
  // treated as aborted: the stream was reset and those bytes were lost (seen as truncated
  // echoes with 100 parallel 8 MiB streams).
  it('regression: a socket closing cleanly while bytes wait for credit still delivers them, then FIN', () => {
    const p = opened(new FakeSocket());
    const { local, upstream, closed } = p;
    local.emit('end'); // the client finished sending
    p.flush();
    upstream.feed(new Uint8Array(p.proxy.limits.initialWindow + 1000)); // more than the credit
    upstream.emit('end');
    upstream.emit('close'); // both directions done on the upstream socket
    p.flush();
    expect(upstream.wasReset).toBe(false);
    expect(local.ended).toBe(true);
    expect(local.bytesWritten).toBe(p.proxy.limits.initialWindow + 1000);
    expect(closed).toEqual([undefined]);
  });

  // Regression: bytes left over when credit ran out were kept as a view of the socket's read
  // buffer; an upstream socket with a shared `onread` buffer overwrote them before they were sent.
  it('regression: keeps a copy of bytes waiting for credit, not a view of a reused read buffer', () => {
    const p = opened(new FakeSocket());
    const window = p.proxy.limits.initialWindow;
    const reused = Buffer.alloc(window + 1000, 0x41);
    p.upstream.feed(reused);
    reused.fill(0x5a); // the next read lands in the same memory
    p.flush();
    const received = Buffer.concat(p.local.written);
    expect(received.length).toBe(window + 1000);
    expect(received.every((b) => b === 0x41)).toBe(true);
  });

  it('resets with a TCP RST toward the application when the peer resets the stream', () => {
    const p = opened(new FakeSocket());
    const { local, closed } = p;
    const problem = { code: 'ZG_ERR_POLICY_DENIED', reasons: ['device-revoked'], message: 'revoked' };
    [...p.proxy.streams()][0]!.reset(problem);
    p.flush();
    expect(p.upstream.wasReset).toBe(true);
    expect(local.wasReset).toBe(true);
    expect(closed).toEqual([problem]);
  });

  it('aborts every stream when the connection closes', () => {
    const p = pair({ proxy: acceptingProxy([]) });
    const sockets = [new FakeSocket(), new FakeSocket()];
    for (const s of sockets) p.agent.open({ app: 'a' }, s);
    p.flush();
    p.agent.close();
    expect(sockets.every((s) => s.wasReset)).toBe(true);
    expect(p.agent.stats.streamsActive).toBe(0);
  });
});

describe('receive-window auto-tuning', () => {
  /** Streams 8 MiB from the proxy side; `msPerWindow` is how long the agent's consumer takes per 256 KiB. */
  const run = (msPerWindow: number, consumerKeepsUp = true) => {
    let clock = 0;
    const upstreams: FakeSocket[] = [];
    const p = pair({ proxy: acceptingProxy(upstreams), agent: { now: () => clock } });
    const local = new FakeSocket();
    local.accept = consumerKeepsUp;
    p.agent.open({ app: 'a' }, local);
    p.flush();
    const increments: number[] = [];
    const upstream = upstreams[0]!;
    for (let round = 0; round < 200 && local.bytesWritten < 8 * 1024 * KiB; round++) {
      while (!upstream.paused) upstream.feed(new Uint8Array(64 * KiB));
      for (const f of p.toAgent.splice(0)) {
        clock += msPerWindow / 4; // a 64 KiB frame every quarter of the per-window time
        p.agent.receive(f);
      }
      if (!consumerKeepsUp) local.emit('drain');
      for (const f of p.toProxy) {
        const frame = decodeFrame(f);
        if (frame.type === FrameType.WINDOW) increments.push(frame.increment);
      }
      p.flush();
    }
    return { increments, rounds: local.bytesWritten };
  };

  it('grows the window of a fast stream, up to the cap', () => {
    const { increments } = run(1);
    expect(Math.max(...increments)).toBeGreaterThan(256 * KiB);
    expect(Math.max(...increments)).toBeLessThanOrEqual(AUTOTUNE_MAX_WINDOW);
  });

  it('keeps the window of a slow stream (consumer slower than the epoch)', () => {
    const { increments } = run(4 * AUTOTUNE_EPOCH_MS);
    expect(Math.max(...increments)).toBeLessThanOrEqual(256 * KiB);
  });

  it('never grows the window while the consumer applies backpressure', () => {
    const { increments } = run(0, false);
    expect(Math.max(...increments)).toBeLessThanOrEqual(256 * KiB);
  });
});

describe('Mux.receiveData (DATA in pieces, the fast path)', () => {
  it('writes each piece to the stream socket and applies the same checks as whole frames', () => {
    const p = opened(new FakeSocket());
    const { local } = p;
    p.agent.receiveData(1, Uint8Array.from([1, 2]), true, 4);
    p.agent.receiveData(1, Uint8Array.from([3, 4]), false, 4);
    expect(Buffer.concat(local.written)).toEqual(Buffer.from([1, 2, 3, 4]));
    p.agent.receiveData(2, Uint8Array.from([1]), true, 1); // never opened
    expect(p.closes).toEqual([{ side: 'agent', code: 1002, reason: 'ZG_ERR_WIRE_BAD_STREAM' }]);
  });

  it('refuses an oversized DATA frame and DATA on stream 0 with 1002', () => {
    for (const [stream, length, code] of [
      [1, 64 * KiB + 1, 'ZG_ERR_WIRE_FRAME_TOO_LARGE'],
      [0, 10, 'ZG_ERR_WIRE_BAD_STREAM'],
    ] as const) {
      const p = pair({ proxy: acceptingProxy([]) });
      p.agent.open({ app: 'a' }, new FakeSocket());
      p.flush();
      p.agent.receiveData(stream, new Uint8Array(10), true, length);
      expect(p.closes).toEqual([{ side: 'agent', code: 1002, reason: code }]);
    }
  });

  it('drops the rest of a frame whose stream ended mid-frame, without a violation', () => {
    const p = opened(new FakeSocket());
    const { local } = p;
    p.agent.receiveData(1, new Uint8Array(100), true, 300);
    local.emit('error', new Error('EPIPE')); // the application went away: the stream resets
    p.agent.receiveData(1, new Uint8Array(200), false, 300);
    expect(p.closes).toEqual([]);
    expect(local.bytesWritten).toBe(100);
  });
});

describe('corking a frame that arrives in pieces', () => {
  class CorkingSocket extends FakeSocket {
    corks = 0;
    uncorks = 0;
    writableLength = 0;
    writableNeedDrain = false;
    cork(): void {
      this.corks++;
    }
    uncork(): void {
      this.uncorks++;
    }
  }

  it('corks at the first piece and uncorks at the last, so the application gets one write', () => {
    const p = opened(new CorkingSocket());
    const { local } = p;
    p.agent.receiveData(1, new Uint8Array(10), true, 30);
    p.agent.receiveData(1, new Uint8Array(10), false, 30);
    expect([local.corks, local.uncorks]).toEqual([1, 0]);
    p.agent.receiveData(1, new Uint8Array(10), false, 30);
    expect([local.corks, local.uncorks]).toEqual([1, 1]);
    expect(local.bytesWritten).toBe(30);
  });

  it('keeps granting when bytes remain buffered after uncork but no drain is owed (no stall)', () => {
    const p = pair({ proxy: acceptingProxy([]) });
    const local = new CorkingSocket();
    local.accept = false; // corked writes report "full"...
    local.writableLength = 100; // ...and some bytes are still queued after uncork...
    local.writableNeedDrain = false; // ...but under the high-water mark: no 'drain' will come.
    p.agent.open({ app: 'a' }, local);
    p.flush();
    const quarter = p.agent.limits.initialWindow / 4;
    p.agent.receiveData(1, new Uint8Array(quarter / 2), true, quarter);
    p.agent.receiveData(1, new Uint8Array(quarter / 2), false, quarter);
    expect(p.toProxy.map((f) => decodeFrame(f))).toContainEqual({ type: FrameType.WINDOW, stream: 1, increment: quarter });
  });
});

describe('connection backpressure', () => {
  it('stops reading sources while the connection is congested and resumes on drain (regression: a peer granting credit without reading could park 16 MiB per stream)', () => {
    let congested = false;
    let drain: (() => void) | undefined;
    const sent: Uint8Array[] = [];
    const upstreams: FakeSocket[] = [];
    const proxy = new Mux(
      {
        send: (f) => sent.push(f),
        close: () => undefined,
        headroom: 14,
        sendWithHeadroom: (buffer, start, end) => sent.push(buffer.slice(start, end)),
        congested: () => congested,
        onDrain: (cb) => (drain = cb),
      },
      { role: 'proxy', ...acceptingProxy(upstreams) },
    );
    proxy.receive(encodeOpen(1, { app: 'a' }));
    proxy.receive(encodeWindow(1, 8 * 1024 * KiB)); // lots of credit, as an attacker would grant
    const upstream = upstreams[0]!;
    upstream.feed(new Uint8Array(64 * KiB));
    const dataFrames = () => sent.map((f) => decodeFrame(f)).filter((f) => f.type === FrameType.DATA).length;
    expect(dataFrames()).toBe(1);
    congested = true;
    upstream.feed(new Uint8Array(64 * KiB));
    expect(upstream.paused).toBe(true);
    expect(dataFrames()).toBe(1);
    expect(drain).toBeDefined();
    congested = false;
    drain!();
    expect(dataFrames()).toBe(2);
    expect(upstream.paused).toBe(false);
  });

  it('gives small payloads an exact-size buffer rather than a pooled 64 KiB one', () => {
    const sizes: number[] = [];
    const proxy = new Mux(
      { send: () => undefined, close: () => undefined, headroom: 14, sendWithHeadroom: (buffer) => sizes.push(buffer.length) },
      { role: 'proxy', onOpen: (s) => s.accept(socket) },
    );
    const socket = new FakeSocket();
    proxy.receive(encodeOpen(1, { app: 'a' }));
    socket.feed(new Uint8Array(10));
    socket.feed(new Uint8Array(64 * KiB));
    expect(sizes).toEqual([14 + 5 + 10, 14 + 5 + 64 * KiB]);
  });
});
