/**
 * The load section's harness (load-run.ts) end to end in a small configuration: a real proxy
 * process, real agents in load processes, real streams to a real echo app. Checks that the
 * harness measures what it says and counts what goes wrong; no timing threshold (figures on a
 * shared 2-core machine say nothing in a test).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup } from './cleanup.ts';
import { formatLoad, runLoad, sourceAddressOf } from './load-run.ts';
import { LOAD_SMOKE_PLAN, parseOptions, type LoadPlan } from './options.ts';

let cleanup: Cleanup | undefined;

afterEach(async () => {
  await cleanup?.run();
  cleanup = undefined;
});

function run(plan: LoadPlan, streamApp?: string) {
  cleanup = new Cleanup();
  const dir = mkdtempSync(join(tmpdir(), 'zg-load-test-'));
  cleanup.trackDir(dir);
  return runLoad({ dir, plan, cleanup, progress: () => undefined, ...(streamApp === undefined ? {} : { streamApp }) });
}

describe('load section', () => {
  it('holds every stream of every agent, times the extra opens, and counts no error', { timeout: 120_000 }, async () => {
    const plan = LOAD_SMOKE_PLAN;
    const streams = plan.agents * plan.streamsPerAgent;
    const section = await run(plan);

    expect(section.errors).toEqual({ total: 0, byKind: {}, first: [] });
    expect(section.anomalies).toEqual([]);
    expect(section.checks).toEqual({
      tunnelsConnected: plan.agents,
      streamsHeld: streams,
      streamsEchoedAtEnd: streams,
      latencyOpensCompleted: plan.latencyOpens,
      proxySessions: plan.agents,
      proxyStreams: streams,
      echoConnections: streams,
      // One source address per agent, as the proxy saw them.
      tunnelSources: plan.agents,
    });

    const memory = section.figures.proxyMemoryMiB;
    for (const sample of [memory.idle, memory.tunnels, memory.streams, memory.end]) {
      expect(sample.rss).toBeGreaterThan(20);
      expect(sample.rss).toBeLessThan(4096);
      expect(sample.peak).toBeGreaterThanOrEqual(sample.rss as number);
      expect(sample.heapUsed).toBeGreaterThan(1);
      expect(sample.heapUsed).toBeLessThan(sample.rss as number);
    }
    expect(section.figures.perStreamKiB.rss).not.toBeNull();

    const open = section.figures.openLatency;
    const echo = section.figures.echoLatency;
    expect(open?.n).toBe(plan.latencyOpens);
    expect(echo?.n).toBe(plan.latencyOpens);
    expect(open!.p50Ms).toBeGreaterThan(0);
    expect(open!.p50Ms).toBeLessThanOrEqual(open!.p99Ms);
    expect(open!.p99Ms).toBeLessThanOrEqual(open!.maxMs);
    // Each echo comes after its own OPEN_OK, so every order statistic is later too.
    expect(echo!.p50Ms).toBeGreaterThan(open!.p50Ms);
    expect(echo!.minMs).toBeGreaterThan(open!.minMs);

    const text = formatLoad(section);
    expect(text).toContain(`holding ${streams} streams`);
    expect(text).toContain('errors: 0');
  });

  it('counts refused opens as errors instead of hiding them', { timeout: 120_000 }, async () => {
    const plan: LoadPlan = { agents: 3, streamsPerAgent: 2, workers: 1, latencyOpens: 4, latencyRatePerSecond: 50, keyPool: 1, sourceAddresses: 0 };
    const section = await run(plan, 'not-published');

    // Every held open and every timed open is refused by the proxy (app not found).
    expect(section.errors.total).toBe(plan.agents * plan.streamsPerAgent + plan.latencyOpens);
    expect(section.errors.byKind).toEqual({ 'open-fail': plan.agents * plan.streamsPerAgent + plan.latencyOpens });
    expect(section.errors.first[0]).toMatch(/OPEN_FAIL ZG_ERR_POLICY_APP_NOT_FOUND/);
    expect(section.checks.tunnelsConnected).toBe(plan.agents);
    expect(section.checks.streamsHeld).toBe(0);
    expect(section.figures.openLatency).toBeNull();
    expect(section.anomalies.join('\n')).toMatch(/errors \(must be 0\)/);
  });
});

describe('load options', () => {
  it('runs the full load by default and takes its size from the command line', () => {
    const defaults = parseOptions([]);
    expect(defaults.sections).toContain('load');
    expect(defaults.plan.load).toMatchObject({ agents: 1000, streamsPerAgent: 10, workers: 4 });
    const only = parseOptions(['--only', 'load', '--agents', '40', '--streams-per-agent', '3', '--workers', '2', '--load-opens', '10']);
    expect(only.sections).toEqual(['load']);
    expect(only.plan.load).toMatchObject({ agents: 40, streamsPerAgent: 3, workers: 2, latencyOpens: 10 });
    expect(() => parseOptions(['--agents', '0'])).toThrow(/--agents must be an integer/);
    expect(() => parseOptions(['--workers', 'many'])).toThrow(/--workers must be an integer/);
  });

  it('gives every agent its own loopback source address', () => {
    const addresses = Array.from({ length: 20_000 }, (_, i) => sourceAddressOf(i));
    expect(new Set(addresses).size).toBe(addresses.length);
    for (const a of [addresses[0], addresses[199], addresses[200], addresses[19_999]]) expect(a).toMatch(/^127\.20\.\d{1,3}\.\d{1,3}$/);
    expect(addresses.every((a) => a.split('.').every((octet) => Number(octet) <= 255))).toBe(true);
  });
});
