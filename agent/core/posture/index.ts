/**
 * Device posture on the agent (DESIGN.md §5): collecting the report, sending it over the tunnel,
 * showing it as a checklist, and the registry of tool-output parsers by tool id.
 */
export { CHECK_LABELS, postureChecklist, type ChecklistItem } from './checklist.ts';
export {
  collectPosture,
  COMMAND_TIMEOUT_MS,
  EDR_PRODUCTS,
  edrFromProcesses,
  edrProductName,
  execFileRunner,
  MAX_COMMAND_OUTPUT_BYTES,
  MAX_FILE_READ_BYTES,
  PATCH_MAX_AGE_MS,
  POSTURE_COLLECT_TIMEOUT_MS,
  readFileTail,
  SLOW_TOOL_CACHE_MS,
  systemInformation,
  ToolOutputCache,
  type CollectPostureOptions,
  type CommandResult,
  type CommandRunner,
  type EdrProduct,
  type FileReader,
  type ProcessLike,
  type RunOptions,
  type SystemInformationLike,
} from './collect/index.ts';
export {
  MAX_TOOL_OUTPUT_BYTES,
  parseToolOutput,
  toolParser,
  toolParsers,
  type OnOffUnknown,
  type ToolFacts,
  type ToolParser,
} from './parsers/index.ts';
export {
  POSTURE_COLLECT_INTERVAL_MS,
  POSTURE_SEND_INTERVAL_MS,
  PostureReporter,
  postureStatusChanged,
  type ControlChannel,
  type PostureReporterOptions,
} from './reporter.ts';
