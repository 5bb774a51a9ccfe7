/**
 * PostureReporter with fake timers, a fake tunnel (a control channel that records what is sent
 * and can be down) and a scripted collect function.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CheckStatus, PostureReport } from '../../../shared/posture/index.ts';
import type { ControlMessage } from '../../../shared/wire/index.ts';
import { POSTURE_COLLECT_INTERVAL_MS, POSTURE_SEND_INTERVAL_MS, PostureReporter, type ControlChannel } from './reporter.ts';

const T0 = Date.parse('2030-01-01T08:00:00.000Z');

class FakeChannel implements ControlChannel {
  readonly sent: { at: number; message: ControlMessage }[] = [];
  up = true;

  sendControl(message: ControlMessage): boolean {
    if (!this.up) return false;
    this.sent.push({ at: Date.now() - T0, message });
    return true;
  }

  /** The firewall status of each sent report, in order. */
  get firewalls(): CheckStatus[] {
    return this.sent.map((s) => (s.message.report as PostureReport).firewall.status);
  }

  get times(): number[] {
    return this.sent.map((s) => s.at);
  }
}

function report(firewall: CheckStatus = 'pass'): PostureReport {
  const unknown = { status: 'unknown' as const, detail: 'test' };
  return {
    version: 1,
    collectedAt: new Date().toISOString(),
    agentVersion: '0.1.0',
    hostname: 'h',
    hardwareId: undefined,
    os: { ...unknown, platform: 'linux', name: undefined, version: undefined, build: undefined, kernel: undefined },
    patch: { ...unknown, lastUpdateAt: undefined, pendingSecurityUpdates: undefined },
    diskEncryption: { ...unknown, volumes: [] },
    edr: { ...unknown, agents: [] },
    firewall: { status: firewall },
    screenLock: { ...unknown, timeoutSeconds: undefined },
  };
}

/** A collect function whose answers the test scripts: the firewall status, taking `delayMs`. */
function scripted(delayMs = 0) {
  const state = { firewall: 'pass' as CheckStatus, calls: 0, fail: false };
  const collect = async (): Promise<PostureReport> => {
    state.calls++;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (state.fail) throw new Error('collector exploded');
    return report(state.firewall);
  };
  return { state, collect };
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('PostureReporter', () => {
  it('sends at once when the tunnel connects after the first collection, then every 60 s', async () => {
    const channel = new FakeChannel();
    const { collect } = scripted();
    const reporter = new PostureReporter({ channel, collect });
    reporter.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(channel.sent).toEqual([]);
    reporter.connected();
    expect(channel.times).toEqual([1_000]);
    expect(channel.sent[0]!.message.type).toBe('posture');
    await vi.advanceTimersByTimeAsync(POSTURE_SEND_INTERVAL_MS * 3);
    expect(channel.times).toEqual([1_000, 61_000, 121_000, 181_000]);
    reporter.stop();
  });

  it('when the tunnel connects before any report exists, sends the first one as soon as it is collected', async () => {
    const channel = new FakeChannel();
    const { collect } = scripted(3_000);
    const reporter = new PostureReporter({ channel, collect });
    reporter.start();
    reporter.connected();
    expect(channel.sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(channel.times).toEqual([3_000]);
    reporter.stop();
  });

  it('collects every 15 s after the previous collection, and sends at once when a status changes', async () => {
    const channel = new FakeChannel();
    const { state, collect } = scripted();
    const reporter = new PostureReporter({ channel, collect });
    reporter.start();
    await vi.advanceTimersByTimeAsync(0);
    reporter.connected();
    expect(state.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(POSTURE_COLLECT_INTERVAL_MS * 2);
    expect(state.calls).toBe(3);
    // Same statuses: nothing new is sent before the minute.
    expect(channel.times).toEqual([0]);
    state.firewall = 'fail';
    await vi.advanceTimersByTimeAsync(POSTURE_COLLECT_INTERVAL_MS);
    expect(channel.times).toEqual([0, 45_000]);
    expect(channel.firewalls).toEqual(['pass', 'fail']);
    // The periodic send counts from the last send.
    await vi.advanceTimersByTimeAsync(POSTURE_SEND_INTERVAL_MS);
    expect(channel.times).toEqual([0, 45_000, 105_000]);
    reporter.stop();
  });

  it('sends nothing while the tunnel is down, and the latest report when it comes back', async () => {
    const channel = new FakeChannel();
    channel.up = false;
    const { state, collect } = scripted();
    const reporter = new PostureReporter({ channel, collect });
    reporter.start();
    await vi.advanceTimersByTimeAsync(POSTURE_SEND_INTERVAL_MS * 2);
    state.firewall = 'unknown';
    await vi.advanceTimersByTimeAsync(POSTURE_COLLECT_INTERVAL_MS);
    expect(channel.sent).toEqual([]);
    channel.up = true;
    reporter.connected();
    expect(channel.firewalls).toEqual(['unknown']);
    reporter.stop();
  });

  it('never runs two collections at once, even when one takes longer than the interval', async () => {
    const channel = new FakeChannel();
    const { state, collect } = scripted(20_000);
    const reporter = new PostureReporter({ channel, collect });
    reporter.start();
    reporter.connected();
    reporter.connected();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(state.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(POSTURE_COLLECT_INTERVAL_MS + 20_000);
    expect(state.calls).toBe(2);
    reporter.stop();
  });

  it('a failing collection is reported and the loop goes on', async () => {
    const channel = new FakeChannel();
    const { state, collect } = scripted();
    const errors: unknown[] = [];
    const reporter = new PostureReporter({ channel, collect, onError: (error) => errors.push(error) });
    state.fail = true;
    reporter.start();
    await vi.advanceTimersByTimeAsync(POSTURE_COLLECT_INTERVAL_MS);
    expect(errors).toHaveLength(2);
    state.fail = false;
    reporter.connected();
    await vi.advanceTimersByTimeAsync(0);
    expect(channel.sent).toHaveLength(1);
    reporter.stop();
  });

  it('a channel that throws (report too large for a CONTROL frame) is an error, not a crash', async () => {
    const errors: unknown[] = [];
    const channel: ControlChannel = {
      sendControl: () => {
        throw new TypeError('CONTROL payload too large');
      },
    };
    const reporter = new PostureReporter({ channel, collect: scripted().collect, onError: (error) => errors.push(error) });
    reporter.start();
    await vi.advanceTimersByTimeAsync(0);
    reporter.connected();
    expect(errors).toHaveLength(1);
    reporter.stop();
  });

  it('stop() clears every timer: nothing is collected or sent afterwards', async () => {
    const channel = new FakeChannel();
    const { state, collect } = scripted(1_000);
    const reporter = new PostureReporter({ channel, collect });
    reporter.start();
    await vi.advanceTimersByTimeAsync(1_000);
    reporter.connected();
    reporter.stop();
    expect(vi.getTimerCount()).toBe(0);
    const calls = state.calls;
    await vi.advanceTimersByTimeAsync(POSTURE_SEND_INTERVAL_MS * 5);
    expect(state.calls).toBe(calls);
    expect(channel.sent).toHaveLength(1);
    reporter.connected();
    expect(channel.sent).toHaveLength(1);
  });

  it('stop() during a collection drops its result', async () => {
    const channel = new FakeChannel();
    const { collect } = scripted(5_000);
    const reporter = new PostureReporter({ channel, collect });
    reporter.start();
    reporter.connected();
    reporter.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(channel.sent).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('refuses nonsense intervals', () => {
    expect(() => new PostureReporter({ channel: new FakeChannel(), collect: scripted().collect, sendIntervalMs: 0 })).toThrow(TypeError);
    expect(() => new PostureReporter({ channel: new FakeChannel(), collect: scripted().collect, collectIntervalMs: 1.5 })).toThrow(TypeError);
  });
});
