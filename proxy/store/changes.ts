/** The listeners of a store's change feed (both implementations share this). */
import type { CatalogKind, StoreChange, StoreChangeListener } from './types.ts';

const CATALOG_KINDS: ReadonlySet<string> = new Set<CatalogKind>(['app', 'policy']);

/** Longest id a change carries (ids are short; a longer one is not ours). */
const MAX_CHANGE_ID = 512;

export class ChangeListeners {
  readonly #listeners = new Set<StoreChangeListener>();

  add(listener: StoreChangeListener): () => void {
    // A wrapper per subscription, so the same function subscribed twice unsubscribes separately.
    const entry: StoreChangeListener = (change) => listener(change);
    this.#listeners.add(entry);
    return () => void this.#listeners.delete(entry);
  }

  get size(): number {
    return this.#listeners.size;
  }

  emit(change: StoreChange): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch {
        // One listener's failure must not hide the change from the others, nor fail the write.
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}

const shortId = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= MAX_CHANGE_ID;

/**
 * A change as sent between nodes (a NOTIFY payload), checked: anything else (a newer node's
 * kind, garbage on the channel) is `undefined` and ignored.
 */
export function parseChange(text: string): StoreChange | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  switch (v.kind) {
    case 'revocation':
      return { kind: 'revocation' };
    case 'catalog':
      return typeof v.catalog === 'string' && CATALOG_KINDS.has(v.catalog) && shortId(v.id) ? { kind: 'catalog', catalog: v.catalog as CatalogKind, id: v.id } : undefined;
    case 'api-token':
      return shortId(v.id) ? { kind: 'api-token', id: v.id } : undefined;
    case 'idp-user':
      return shortId(v.username) ? { kind: 'idp-user', username: v.username } : undefined;
    default:
      // `resync` is local: a node never tells another one to resync.
      return undefined;
  }
}
