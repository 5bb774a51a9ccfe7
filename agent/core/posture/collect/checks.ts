/**
 * From tools' facts to the report's checks. The rule throughout: `pass` only on positive
 * evidence, `fail` on evidence of the contrary, `unknown` (with why) for everything else.
 */
import type { DiskEncryptionCheck, EdrAgent, EdrCheck, FirewallCheck, PatchCheck, ScreenLockCheck } from '../../../../shared/posture/index.ts';
import { edrProductName } from './edr.ts';
import { factsNote, type ProbeOutcome } from './probe.ts';

/** The agent calls patches outdated when nothing was installed for this long (monthly cycles + slack). */
export const PATCH_MAX_AGE_MS = 35 * 24 * 60 * 60 * 1000;

/** "tool: why" for an outcome that settled nothing. */
export function whyUnknown(outcome: ProbeOutcome): string {
  if (!outcome.ok) return outcome.label === '' ? outcome.reason : `${outcome.label}: ${outcome.reason}`;
  const note = factsNote(outcome.facts);
  return `${outcome.label}: ${note === undefined ? 'output does not say' : `output does not say (${note})`}`;
}

/** One volume's encryption from a tool that reports it for that volume. */
export function diskEncryptionFrom(outcome: ProbeOutcome, volume: string, method: string): DiskEncryptionCheck {
  const state = outcome.ok ? outcome.facts.diskEncryption : undefined;
  if (outcome.ok && state === 'on') {
    return { status: 'pass', volumes: [{ volume, state: 'on', method }], detail: `${outcome.label}: ${volume} encrypted (${method})` };
  }
  if (outcome.ok && state === 'off') {
    const note = factsNote(outcome.facts);
    return { status: 'fail', volumes: [{ volume, state: 'off' }], detail: `${outcome.label}: ${volume} not fully encrypted${note === undefined ? '' : ` (${note})`}` };
  }
  return { status: 'unknown', volumes: [{ volume, state: 'unknown' }], detail: whyUnknown(outcome) };
}

/** The first tool that says the firewall is on wins; otherwise any that says off fails it. */
export function firewallFrom(outcomes: readonly ProbeOutcome[]): FirewallCheck {
  const on = outcomes.find((o) => o.ok && o.facts.firewall === 'on');
  if (on !== undefined) return { status: 'pass', detail: `${on.label}: on` };
  const off = outcomes.filter((o) => o.ok && o.facts.firewall === 'off');
  const unknown = outcomes.filter((o) => !(o.ok && o.facts.firewall === 'off'));
  if (off.length > 0) {
    const others = unknown.length === 0 ? '' : `; ${unknown.map(whyUnknown).join('; ')}`;
    return { status: 'fail', detail: `${off.map((o) => `${o.label}: off`).join('; ')}${others}` };
  }
  return { status: 'unknown', detail: outcomes.length === 0 ? 'no firewall tool to ask' : outcomes.map(whyUnknown).join('; ') };
}

/** Screen lock from a tool's `{enabled, timeoutSeconds}`. */
export function screenLockFrom(outcome: ProbeOutcome): ScreenLockCheck {
  const lock = outcome.ok ? outcome.facts.screenLock : undefined;
  if (outcome.ok && lock?.enabled === true) {
    const timeout = validSeconds(lock.timeoutSeconds);
    return { status: 'pass', timeoutSeconds: timeout, detail: `${outcome.label}: on${timeout === undefined ? '' : `, after ${timeout} s`}` };
  }
  if (outcome.ok && lock?.enabled === false) {
    const note = factsNote(outcome.facts);
    return { status: 'fail', timeoutSeconds: validSeconds(lock.timeoutSeconds), detail: `${outcome.label}: off${note === undefined ? '' : ` (${note})`}` };
  }
  return { status: 'unknown', timeoutSeconds: undefined, detail: whyUnknown(outcome) };
}

function validSeconds(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function validCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

function validIso(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/**
 * Patch level from the last installed update (`history`) and the pending security updates
 * (`pending`, when the platform can tell). Fail: security updates pending, or nothing installed
 * for {@link PATCH_MAX_AGE_MS}. Pass: a recent update and no known pending security update.
 */
export function patchFrom(history: ProbeOutcome, pending: ProbeOutcome | undefined, now: number): PatchCheck {
  const lastUpdateAt = history.ok ? validIso(history.facts.lastUpdateAt) : undefined;
  const pendingSecurityUpdates = pending?.ok === true ? validCount(pending.facts.pendingSecurityUpdates) : undefined;
  const pendingAny = pending?.ok === true ? validCount(pending.facts.pendingUpdates) : undefined;
  const notes: string[] = [];
  notes.push(lastUpdateAt === undefined ? whyUnknown(history) : `${history.label}: last update ${lastUpdateAt}`);
  if (pending !== undefined) {
    if (pendingSecurityUpdates !== undefined) notes.push(`${pending.label}: ${pendingSecurityUpdates} security update(s) pending`);
    else if (pendingAny !== undefined) notes.push(`${pending.label}: ${pendingAny} update(s) pending, security ones not told apart`);
    else notes.push(whyUnknown(pending));
  }
  const detail = notes.join('; ');
  const base = { lastUpdateAt, pendingSecurityUpdates, detail };
  if (pendingSecurityUpdates !== undefined && pendingSecurityUpdates > 0) return { status: 'fail', ...base };
  if (lastUpdateAt === undefined) return { status: 'unknown', ...base };
  const age = now - Date.parse(lastUpdateAt);
  if (age > PATCH_MAX_AGE_MS) return { status: 'fail', ...base, detail: `${detail} (${Math.floor(age / 86_400_000)} days ago)` };
  return { status: 'pass', ...base };
}

/**
 * EDR from the agents seen running and what tools said. Pass: one is running. Fail: the process
 * list (or a tool) was read and shows none running. Unknown: nothing could be read.
 */
export function edrFrom(agents: readonly EdrAgent[], evidence: { processesRead: boolean; notes: readonly string[] }): EdrCheck {
  const running = agents.filter((a) => a.running);
  if (running.length > 0) {
    return { status: 'pass', agents: [...agents], detail: `running: ${running.map((a) => edrProductName(a.vendor)).join(', ')}` };
  }
  if (evidence.processesRead || agents.length > 0) {
    const stopped = agents.map((a) => `${edrProductName(a.vendor)} not running${a.detail === undefined ? '' : ` (${a.detail})`}`);
    return { status: 'fail', agents: [...agents], detail: ['no known endpoint security agent running', ...stopped].join('; ') };
  }
  return { status: 'unknown', agents: [], detail: evidence.notes.join('; ') || 'the running processes could not be read' };
}
