/**
 * `systemctl status <unit>` (systemctl(1)), shared by the unit parsers: a title line
 * (`● firewalld.service - firewalld - dynamic firewall daemon`; the bullet is `●`, `○`, `×` or
 * `*`), then `Loaded: loaded (/usr/lib/systemd/system/x.service; enabled; preset: enabled)`,
 * `Active: active (running) since ...`, `Main PID: 698 (firewalld)` and journal lines. A missing
 * unit prints `Unit x.service could not be found.`; systemctl output is never translated.
 */
import { clip, compact } from './text.ts';

export interface UnitStatus {
  /** False when systemctl says the unit does not exist. */
  found: boolean;
  unit?: string | undefined;
  description?: string | undefined;
  /** `loaded`, `not-found`, `masked`, ... */
  loadState?: string | undefined;
  /** `enabled`, `disabled`, `static`, `masked`, ... (the unit file state in `Loaded:`). */
  unitFileState?: string | undefined;
  /** `active`, `inactive`, `failed`, `activating`, `deactivating`, ... */
  activeState?: string | undefined;
  /** `running`, `dead`, `exited`, `auto-restart`, ... */
  subState?: string | undefined;
  since?: string | undefined;
  mainPid?: number | undefined;
}

const TITLE = /^(?:[●○×*↻]\s*)?(\S+\.service)(?:\s+-\s+(.*))?$/;
const NOT_FOUND = /^Unit (\S+?)\.? could not be found\.?$/;

/** Reads the status block, or undefined when the text is not `systemctl status` output. */
export function readUnitStatus(lines: readonly string[]): UnitStatus | undefined {
  const status: UnitStatus = { found: true };
  let seen = false;
  for (const line of lines) {
    const trimmed = line.trim();
    const missing = NOT_FOUND.exec(trimmed);
    if (missing !== null) return { found: false, unit: clip(missing[1]!) };
    const title = status.unit === undefined ? TITLE.exec(trimmed) : null;
    if (title !== null) {
      status.unit = clip(title[1]!);
      status.description = title[2] === undefined ? undefined : clip(title[2]);
      continue;
    }
    const colon = trimmed.indexOf(':');
    if (colon <= 0) continue;
    const key = trimmed.slice(0, colon);
    const value = trimmed.slice(colon + 1).trim();
    if (key === 'Loaded' && status.loadState === undefined) {
      seen = true;
      status.loadState = clip(value.split(/[\s(]/)[0] ?? '', 32);
      const open = value.indexOf('(');
      const close = open < 0 ? -1 : value.indexOf(')', open);
      const inner = close < 0 ? undefined : value.slice(open + 1, close).split(';').map((part) => part.trim());
      if (inner !== undefined && inner.length >= 2) status.unitFileState = clip(inner[1]!, 32);
      if (status.loadState === 'not-found') status.found = false;
    } else if (key === 'Active' && status.activeState === undefined) {
      seen = true;
      const m = /^(\S+)(?:\s+\(([^)]*)\))?(?:.*?\bsince\s+([^;]+))?/.exec(value);
      status.activeState = m === null ? undefined : clip(m[1]!, 32);
      status.subState = m?.[2] === undefined ? undefined : clip(m[2], 32);
      status.since = m?.[3] === undefined ? undefined : clip(m[3].trim());
    } else if (key === 'Main PID' && status.mainPid === undefined) {
      const pid = /^(\d{1,10})\b/.exec(value)?.[1];
      status.mainPid = pid === undefined ? undefined : Number(pid);
    }
  }
  return seen ? status : undefined;
}

/** Whether the unit's main process is up: `active (running)`. */
export function isRunning(status: UnitStatus): boolean {
  return status.found && status.activeState === 'active' && status.subState === 'running';
}

/** The unit's state in `detail`. */
export function unitDetail(status: UnitStatus): Record<string, unknown> {
  return compact({
    unit: status.unit,
    description: status.description,
    installed: status.found,
    loaded: status.loadState,
    enabledAtBoot: status.unitFileState === undefined ? undefined : status.unitFileState === 'enabled',
    unitFileState: status.unitFileState,
    active: status.activeState === undefined ? undefined : status.subState === undefined ? status.activeState : `${status.activeState} (${status.subState})`,
    since: status.since,
    mainPid: status.mainPid,
  });
}
