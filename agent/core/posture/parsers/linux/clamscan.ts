/**
 * ClamAV's `clamscan` (clamscan(1)): `clamscan --version` prints
 * `ClamAV 1.0.5/27230/Fri Mar 15 08:26:47 2024` (engine/signature version/signature date; just
 * `ClamAV 1.0.5` when no database loads), and a scan ends with `----------- SCAN SUMMARY
 * -----------`, `Known viruses: 8693102`, `Engine version: 1.0.5`, `Infected files: 0`, ...
 * Problems come as `LibClamAV Error: ...`, `LibClamAV Warning: *** The virus database is older
 * than 7 days! ***`, `ERROR: ...`.
 *
 * clamscan scans on demand; the `clamav` agent counts as running when the output shows a working
 * engine with a loaded signature database and no error. An outdated database, infected files
 * and the signature date are in `detail`.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { clip, compact, splitKeyValue, toCount, toLines, unrecognised } from './text.ts';

const VERSION = /^ClamAV (\d[\w.-]*)(?:\/(\d+)\/(.+))?$/;

function parse(text: string): ToolFacts {
  const lines = toLines(text);
  let engine: string | undefined;
  let database: string | undefined;
  let databaseDate: string | undefined;
  let summary = false;
  let error: string | undefined;
  let outdated = false;
  const counts = new Map<string, string>();

  for (const line of lines) {
    const trimmed = line.trim();
    const version = VERSION.exec(trimmed);
    if (version !== null) {
      engine = clip(version[1]!, 32);
      database = version[2];
      databaseDate = version[3] === undefined ? undefined : clip(version[3].trim(), 64);
    } else if (/SCAN SUMMARY/.test(trimmed)) {
      summary = true;
    } else if (/older than \d+ days/i.test(trimmed)) {
      outdated = true;
    } else if (error === undefined && /^(?:LibClamAV Error|ERROR)\b/.test(trimmed)) {
      error = clip(trimmed);
    } else if (summary) {
      const pair = splitKeyValue(trimmed);
      if (pair !== undefined && !counts.has(pair[0])) counts.set(pair[0], pair[1]);
    }
  }

  const knownViruses = toCount(counts.get('Known viruses'));
  engine ??= counts.has('Engine version') ? clip(counts.get('Engine version')!, 32) : undefined;
  if (engine === undefined && !summary && error === undefined) return { detail: unrecognised(lines) };
  const loaded = database !== undefined || (knownViruses !== undefined && knownViruses > 0);
  const running = loaded && error === undefined;
  const infected = toCount(counts.get('Infected files'));
  const why = error ?? (!loaded ? 'no signature database loaded' : outdated ? 'engine works; signature database older than 7 days' : 'engine works, signatures loaded');
  return {
    edr: [{ vendor: 'clamav', running, detail: why }],
    detail: compact({
      engineVersion: engine,
      databaseVersion: toCount(database),
      databaseDate,
      knownViruses,
      databaseOutdated: outdated ? true : undefined,
      scannedFiles: toCount(counts.get('Scanned files')),
      infectedFiles: infected,
      error,
    }),
  };
}

export const clamscan: ToolParser = {
  id: 'clamscan',
  platform: 'linux',
  command: 'clamscan --version',
  parse,
};
