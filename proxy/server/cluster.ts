/**
 * What a proxy node does to stay in step with the other nodes sharing its store (DESIGN.md §8):
 * when another node (or the CLI) changes the catalogue of apps and policies, this node reads it
 * again and decides its live streams on it at once. Revocations are followed by the
 * RevocationWatcher itself (proxy/devices/revocation-watcher.ts).
 */
import type { CatalogService } from '../api/catalog.ts';
import { ASSERTION_KEY_FILE } from '../http/assertion.ts';
import { CONSOLE_KEY_FILE } from '../console/session.ts';
import { CONSOLE_CLIENT_SECRET_FILE } from '../identity/console-client.ts';
import { IDP_KEYS_FILE, SESSION_KEY_FILE } from '../identity/setup.ts';
import { PKI_FILES } from '../pki/constants.ts';
import type { Store, StoreChange } from '../store/index.ts';

/**
 * Changes arriving within this long of the first one are applied by one reload: an admin script
 * writing twenty policies costs a few reloads, not twenty re-evaluations of every stream.
 */
export const CATALOG_COALESCE_MS = 25;
/** After a failed reload (the store went away), try again this often until one succeeds. */
export const CATALOG_RETRY_MS = 1_000;

export interface ClusterDeps {
  store: Pick<Store, 'subscribe'>;
  catalog: Pick<CatalogService, 'reload'>;
  /** Operator lines (a failed reload). */
  warn?: (line: string) => void;
  coalesceMs?: number;
  retryMs?: number;
}

export interface ClusterFollower {
  /** Resolves when no reload is scheduled or running (tests). */
  settled(): Promise<void>;
  stop(): void;
}

/** Whether a change means the catalogue may differ from what this node holds. */
function touchesCatalog(change: StoreChange): boolean {
  return change.kind === 'catalog' || change.kind === 'resync';
}

/**
 * Subscribes to the store's change feed and reloads the catalogue on `catalog` and `resync`
 * changes, coalescing bursts: at most one reload runs, and changes arriving meanwhile cause
 * exactly one more. A failed reload keeps the catalogue this node holds and is retried.
 */
export function followCluster(deps: ClusterDeps): ClusterFollower {
  const coalesceMs = deps.coalesceMs ?? CATALOG_COALESCE_MS;
  const retryMs = deps.retryMs ?? CATALOG_RETRY_MS;
  const warn = deps.warn ?? ((msg: string) => process.stderr.write(`${JSON.stringify({ level: 'warn', time: new Date().toISOString(), msg })}\n`));
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let dirty = false;
  let stopped = false;
  let failing = false;

  const schedule = (delay: number): void => {
    if (stopped || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void run();
    }, delay);
    timer.unref();
  };

  const run = async (): Promise<void> => {
    if (running !== undefined) {
      dirty = true;
      return;
    }
    dirty = false;
    running = deps.catalog.reload().then(
      () => {
        if (failing) warn('catalogue: reloaded from the store again');
        failing = false;
      },
      () => {
        if (!failing) warn('catalogue: could not reload from the store (keeping the current apps and policies); retrying');
        failing = true;
        dirty = true;
      },
    );
    await running;
    running = undefined;
    if (dirty) schedule(failing ? retryMs : 0);
  };

  const unsubscribe = deps.store.subscribe((change) => {
    if (touchesCatalog(change)) schedule(coalesceMs);
  });

  return {
    async settled() {
      while (timer !== undefined || running !== undefined) await (running ?? new Promise((r) => setTimeout(r, coalesceMs)));
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      unsubscribe();
    },
  };
}

/** How long an error path waits for the store to answer a ping before calling it unreachable. */
export const STORE_PROBE_TIMEOUT_MS = 2_000;

/** True when the store does not answer a ping in time: an unexpected error is then the store's. */
export async function storeUnreachable(store: Pick<Store, 'ping'>, timeoutMs = STORE_PROBE_TIMEOUT_MS): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), timeoutMs);
  });
  try {
    return await Promise.race([store.ping().then(() => false, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Files in the data dir that every node of one deployment must hold identical copies of
 * (docs/scale-out.md): the device CA (certificate and key: any node signs device certificates
 * and checks them), the session-token signing key, the embedded IdP's signing keys, and the
 * console's cookie key and OIDC client secret, and the key that signs identity assertions for
 * HTTP apps (their upstreams verify them against any node's JWKS). Each node keeps its own server certificate
 * (issued from the shared CA for its host names). Never put them in the store: a database dump
 * must not be enough to mint certificates or tokens.
 */
export const SHARED_KEY_FILES: readonly string[] = [
  PKI_FILES.caCert,
  PKI_FILES.caKey,
  SESSION_KEY_FILE,
  IDP_KEYS_FILE,
  CONSOLE_KEY_FILE,
  CONSOLE_CLIENT_SECRET_FILE,
  ASSERTION_KEY_FILE,
];
