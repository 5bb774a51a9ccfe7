/**
 * Two connected in-process byte streams (Node 20 has no `stream.duplexPair`): what one side
 * writes, the other reads, with backpressure (a write waits until the other side's reader
 * wants more), half-close (`end()` is the other side's end of input) and abort (destroying one
 * side destroys the other, like a TCP reset). The gateway hands one side to a tunnel stream and
 * the other to its HTTP server.
 */
import { Duplex } from 'node:stream';

export class PairSide extends Duplex {
  #peer: PairSide | undefined;
  /** A write of ours waiting for the peer's reader to ask for more. */
  #blocked: (() => void) | undefined;
  /** What the HTTP server reads as the client's address. */
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  readonly remoteFamily: string | undefined = undefined;

  constructor() {
    super({ allowHalfOpen: true });
  }

  /** @internal */
  link(peer: PairSide): void {
    this.#peer = peer;
  }

  override _read(): void {
    const peer = this.#peer;
    const resume = peer === undefined ? undefined : peer.#blocked;
    if (peer !== undefined && resume !== undefined) {
      peer.#blocked = undefined;
      resume();
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const peer = this.#peer;
    if (peer === undefined || peer.destroyed) {
      callback(new Error('the other side of the pair is closed'));
      return;
    }
    if (peer.push(chunk)) callback();
    else this.#blocked = () => callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#peer?.push(null);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const peer = this.#peer;
    const resume = this.#blocked;
    this.#blocked = undefined;
    resume?.();
    // Our reader is gone: a write of the peer's waiting for it would wait forever.
    const peerBlocked = peer === undefined ? undefined : peer.#blocked;
    if (peer !== undefined) peer.#blocked = undefined;
    peerBlocked?.();
    if (peer !== undefined && !peer.destroyed) peer.destroy();
    callback(error);
  }

  /** `http.Server` sets these on sockets; an in-process stream has nothing to tune. */
  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }
}

/** Two linked sides; `remote` names the client on the second side (what its reader sees as remoteAddress). */
export function duplexPair(remote?: { address: string; port?: number }): [PairSide, PairSide] {
  const a = new PairSide();
  const b = new PairSide();
  a.link(b);
  b.link(a);
  if (remote !== undefined) {
    b.remoteAddress = remote.address;
    b.remotePort = remote.port;
  }
  return [a, b];
}
