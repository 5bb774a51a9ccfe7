/** Collection of this device's posture report (DESIGN.md §5). */
export { collectPosture, POSTURE_COLLECT_TIMEOUT_MS, type CollectPostureOptions } from './collect.ts';
export { SLOW_TOOL_CACHE_MS, ToolOutputCache } from './cache.ts';
export { PATCH_MAX_AGE_MS } from './checks.ts';
export { EDR_PRODUCTS, edrFromProcesses, edrProductName, type EdrProduct, type ProcessLike } from './edr.ts';
export {
  COMMAND_TIMEOUT_MS,
  execFileRunner,
  MAX_COMMAND_OUTPUT_BYTES,
  MAX_FILE_READ_BYTES,
  readFileTail,
  type CommandResult,
  type CommandRunner,
  type FileReader,
  type RunOptions,
} from './runner.ts';
export { systemInformation, type SystemInformationLike } from './system.ts';
