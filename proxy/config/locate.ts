/**
 * Maps a path in the parsed value back to its line and column in the YAML source, by walking
 * the document's node tree the way `toJS()` walked it to build the value.
 */

import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { IssueAnchor, Locator, Position, Segment } from './issues.ts';

/** A locator for a value that did not come from YAML (no positions). */
export const NO_POSITIONS: Locator = () => undefined;

export function yamlLocator(doc: Document, lineCounter: LineCounter): Locator {
  const positionOf = (node: unknown): Position | undefined => {
    const range = (node as { range?: readonly number[] | null } | null)?.range;
    if (range === undefined || range === null || range[0] === undefined) return undefined;
    const { line, col } = lineCounter.linePos(range[0]);
    return { line, column: col };
  };

  return (segments: readonly Segment[], at: IssueAnchor): Position | undefined => {
    const steps = at === 'parent' ? segments.slice(0, -1) : segments;
    let node: unknown = doc.contents;
    // The best position so far: a missing or unwalkable step reports its nearest ancestor.
    let best = positionOf(node);
    for (const [index, segment] of steps.entries()) {
      const last = index === steps.length - 1;
      const container = resolve(doc, node);
      if (isMap(container)) {
        const pair = container.items.find((item) => isPair(item) && keyText(item.key) === String(segment));
        if (pair === undefined) return best;
        const keyPosition = positionOf(pair.key);
        const valuePosition = hasSource(pair.value) ? positionOf(pair.value) : undefined;
        // A value reports where it is written; an empty or unknown-key entry reports its key.
        best = (last && at === 'key') || valuePosition === undefined ? (keyPosition ?? best) : valuePosition;
        node = pair.value;
      } else if (isSeq(container) && typeof segment === 'number') {
        const item = container.items[segment];
        if (item === undefined) return best;
        best = positionOf(item) ?? best;
        node = item;
      } else {
        return best;
      }
    }
    return best;
  };
}

function resolve(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  if (typeof key === 'string' || typeof key === 'number') return String(key);
  return undefined;
}

/** False for the empty scalar of `key:` with nothing after it, whose range is not useful. */
function hasSource(node: unknown): node is Node {
  if (node === null || node === undefined) return false;
  if (isScalar(node)) return !(node.value === null && (node.source === '' || node.source === undefined));
  return true;
}
