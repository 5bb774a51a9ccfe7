import { describe, expect, it } from 'vitest';
import { encodeData, encodeFrame, encodeWindow, FrameType } from '../wire/index.ts';
import { WsFrameReader } from './ws-reader.ts';
import { writeWebSocketHeader, WS_HEADROOM } from './ws-transport.ts';

/** A server-to-client WebSocket frame: header written the way the proxy writes it. */
function wsFrame(payload: Uint8Array, options: { opcode?: number; fin?: boolean; masked?: boolean } = {}): Uint8Array {
  const buffer = new Uint8Array(WS_HEADROOM + payload.length);
  buffer.set(payload, WS_HEADROOM);
  const start = writeWebSocketHeader(buffer, WS_HEADROOM, payload.length, options.masked ?? false);
  const frame = buffer.slice(start);
  if (options.opcode !== undefined || options.fin === false) frame[0] = (options.fin === false ? 0 : 0x80) | (options.opcode ?? 2);
  return frame;
}

interface Event {
  kind: 'data' | 'frame' | 'passthrough';
  bytes: number[];
  stream?: number;
  first?: boolean;
  length?: number;
}

function read(stream: Uint8Array, cuts: number[]): Event[] {
  const events: Event[] = [];
  const reader = new WsFrameReader(
    {
      data: (s, piece, first, length) => events.push({ kind: 'data', bytes: [...piece], stream: s, first, length }),
      frame: (m) => events.push({ kind: 'frame', bytes: [...m] }),
      passthrough: (b) => events.push({ kind: 'passthrough', bytes: [...b] }),
    },
    1024 * 1024,
  );
  let at = 0;
  for (const cut of [...cuts, stream.length]) {
    reader.push(stream.subarray(at, cut));
    at = cut;
  }
  return events;
}

/** Merges consecutive pieces of the same kind, so results compare across split points. */
function merged(events: Event[]): Event[] {
  const out: Event[] = [];
  for (const e of events) {
    const last = out.at(-1);
    if (last !== undefined && last.kind === e.kind && e.kind !== 'frame' && !(e.kind === 'data' && e.first)) last.bytes.push(...e.bytes);
    else out.push({ ...e, bytes: [...e.bytes] });
  }
  return out;
}

describe('WsFrameReader', () => {
  const data = new Uint8Array(70_000).map((_, i) => i % 251);
  const ping = wsFrame(Uint8Array.from([1, 2, 3]), { opcode: 0x9 });
  const close = wsFrame(Uint8Array.from([0x03, 0xe8]), { opcode: 0x8 });
  const text = wsFrame(new TextEncoder().encode('hi'), { opcode: 0x1 });
  const window = encodeWindow(7, 4096);
  const rst = encodeFrame({ type: FrameType.RST, stream: 7, problem: { code: 'ZG_ERR_STREAM_RESET', reasons: [], message: 'x' } });
  const stream = Uint8Array.from([
    ...wsFrame(encodeData(7, data.subarray(0, 60_000))),
    ...ping,
    ...wsFrame(window),
    ...wsFrame(encodeData(9, Uint8Array.from([42]))),
    ...text,
    ...wsFrame(rst),
    ...close,
  ]);
  const expected: Event[] = [
    { kind: 'data', bytes: [...data.subarray(0, 60_000)], stream: 7, first: true, length: 60_000 },
    { kind: 'passthrough', bytes: [...ping] },
    { kind: 'frame', bytes: [...window] },
    { kind: 'data', bytes: [42], stream: 9, first: true, length: 1 },
    { kind: 'passthrough', bytes: [...text] },
    { kind: 'frame', bytes: [...rst] },
    { kind: 'passthrough', bytes: [...close] },
  ];

  it('streams DATA payload, delivers other tunnel frames whole and passes WebSocket frames through byte for byte', () => {
    expect(merged(read(stream, []))).toEqual(expected);
  });

  it('gives the same result however the bytes are split (every boundary in the headers, random elsewhere)', () => {
    const boundaries = [...Array(64).keys()].map((i) => i + 1);
    for (const cut of boundaries) expect(merged(read(stream, [cut]))).toEqual(expected);
    for (let trial = 0; trial < 50; trial++) {
      const cuts = [...new Set(Array.from({ length: 12 }, () => 1 + Math.floor(Math.random() * (stream.length - 1))))].sort((a, b) => a - b);
      expect(merged(read(stream, cuts))).toEqual(expected);
    }
  });

  it('reads frames masked with the all-zero key (what the agent sends) like unmasked ones', () => {
    const masked = wsFrame(encodeData(3, Uint8Array.from([7, 8, 9])), { masked: true });
    expect(merged(read(masked, [3]))).toEqual([{ kind: 'data', bytes: [7, 8, 9], stream: 3, first: true, length: 3 }]);
  });

  it('leaves fragmented, non-zero-masked, oversized and too-short binary frames to ws', () => {
    const fragmented = wsFrame(encodeData(1, Uint8Array.from([1])), { fin: false });
    const masked = wsFrame(encodeData(1, Uint8Array.from([1])), { masked: true });
    masked[masked.length - 7] = 0x5a; // a non-zero mask key byte (the payload would be XORed)
    const short = wsFrame(Uint8Array.from([4, 0, 0]));
    for (const frame of [fragmented, masked, short]) {
      expect(merged(read(frame, []))).toEqual([{ kind: 'passthrough', bytes: [...frame] }]);
    }
    const big = new Uint8Array(10);
    big.set([0x82, 127, 0, 0, 0, 1, 0, 0, 0, 0]); // announces 4 GiB
    expect(read(big, [])).toEqual([{ kind: 'passthrough', bytes: [...big] }]);
  });
});
