/**
 * What a parser of one tool's output concludes (DESIGN.md §5 `parseToolOutput`). Every field is
 * optional: a parser states only what its tool says. `'unknown'` means the tool ran but its
 * output does not settle the question (an error, a suspended or partial state is NOT unknown:
 * it is `off`/`false`, see DESIGN.md §5: "an encryption that is suspended, in progress or
 * pending counts as not encrypted").
 */
export type OnOffUnknown = 'on' | 'off' | 'unknown';

export interface ToolFacts {
  diskEncryption?: OnOffUnknown;
  firewall?: OnOffUnknown;
  screenLock?: { enabled: boolean | 'unknown'; timeoutSeconds?: number | undefined };
  /** Endpoint security agents the output shows, running or not. */
  edr?: { vendor: string; running: boolean; detail?: string }[];
  /** ISO 8601 time of the last installed update. */
  lastUpdateAt?: string;
  pendingSecurityUpdates?: number;
  /** Pending updates of any kind, when the tool does not tell security ones apart. */
  pendingUpdates?: number;
  /** MDM enrolment (darwin `profiles status`). */
  mdmEnrolled?: boolean;
  /** Tool-specific facts worth showing to a helpdesk (cipher, volume, versions, ...). */
  detail: Record<string, unknown>;
}

/** A parser: pure, synchronous, total (never throws on any input; bad input gives unknowns). */
export interface ToolParser {
  /** The tool id of DESIGN.md §5 (or an addition, documented in docs/posture.md). */
  id: string;
  platform: 'linux' | 'darwin' | 'win32';
  /** The command whose output it reads, as a helpdesk person would run it. */
  command: string;
  parse(text: string): ToolFacts;
}

/** Largest tool output a parser reads; longer input is cut (parsers must stay linear). */
export const MAX_TOOL_OUTPUT_BYTES = 4 * 1024 * 1024;
