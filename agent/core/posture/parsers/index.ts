/**
 * The registry of tool-output parsers by tool id (DESIGN.md §5): `parseToolOutput(toolId, text)`
 * and `zerogate posture --parse <tool-id> <file>`.
 */
import { ZerogateError } from '../../../../shared/errors.ts';
import { DARWIN_PARSERS } from './darwin/index.ts';
import { LINUX_PARSERS } from './linux/index.ts';
import { MAX_TOOL_OUTPUT_BYTES, type ToolFacts, type ToolParser } from './types.ts';
import { WIN32_PARSERS } from './win32/index.ts';

export type { OnOffUnknown, ToolFacts, ToolParser } from './types.ts';
export { MAX_TOOL_OUTPUT_BYTES } from './types.ts';

const REGISTRY: ReadonlyMap<string, ToolParser> = (() => {
  const map = new Map<string, ToolParser>();
  for (const parser of [...LINUX_PARSERS, ...DARWIN_PARSERS, ...WIN32_PARSERS]) {
    if (map.has(parser.id)) throw new TypeError(`two parsers registered for tool id ${parser.id}`);
    map.set(parser.id, parser);
  }
  return map;
})();

/** Every registered parser, sorted by tool id. */
export function toolParsers(): ToolParser[] {
  return [...REGISTRY.values()].sort((a, b) => a.id.localeCompare(b.id));
}

export function toolParser(toolId: string): ToolParser | undefined {
  return REGISTRY.get(toolId);
}

/**
 * Parses one tool's output into facts. Unknown tool ids are a `ZG_ERR_POSTURE_UNKNOWN_TOOL`
 * error listing the known ones; the parsers themselves never throw.
 */
export function parseToolOutput(toolId: string, text: string): ToolFacts {
  const parser = REGISTRY.get(toolId);
  if (parser === undefined) {
    throw new ZerogateError('ZG_ERR_POSTURE_UNKNOWN_TOOL', `no parser for tool id "${toolId.slice(0, 64)}" (known: ${[...REGISTRY.keys()].sort().join(', ')})`);
  }
  const input = text.length > MAX_TOOL_OUTPUT_BYTES ? text.slice(0, MAX_TOOL_OUTPUT_BYTES) : text;
  return parser.parse(input);
}
