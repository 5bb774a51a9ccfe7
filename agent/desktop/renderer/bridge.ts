/** The preload's API, as the window sees it (`window.zerogate`). */
import type { ZerogateBridge } from '../contract/index.ts';

declare global {
  interface Window {
    zerogate?: ZerogateBridge;
  }
}

export function bridge(): ZerogateBridge | undefined {
  return window.zerogate;
}
