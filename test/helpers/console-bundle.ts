/**
 * vitest globalSetup: builds the web console bundle (proxy/console/dist) before any test runs
 * when it is missing or older than its sources, so a browser test works on a fresh clone with a
 * plain `npx vitest run <file>` (`npm test` builds it anyway, in `pretest`).
 */
import { ensureConsoleBuilt } from '../../scripts/build-console.ts';

export async function setup(): Promise<void> {
  await ensureConsoleBuilt();
}
