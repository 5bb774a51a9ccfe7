import { describe, expect, it } from 'vitest';
import { SessionRegistry } from './registry.ts';
import type { TunnelSession } from './session.ts';

describe('SessionRegistry open budget', () => {
  // Regression: the budget was dropped with the device's last session, so reconnecting reset it.
  it('keeps a device budget across reconnects', () => {
    const registry = new SessionRegistry();
    const session = { device: { id: 'd1' }, terminate: () => true } as unknown as TunnelSession;
    registry.add(session);
    let allowed = 0;
    for (let i = 0; i < 50; i++) if (registry.takeOpen('d1', 10, 1000)) allowed++;
    expect(allowed).toBe(20); // burst = 2 × rate
    registry.remove(session);
    registry.add(session);
    expect(registry.takeOpen('d1', 10, 1000)).toBe(false);
    expect(registry.takeOpen('d1', 10, 1100)).toBe(true); // 0.1 s later: one token back
  });
});
