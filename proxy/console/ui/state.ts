/**
 * What every page shares: the API client and the signed-in session (a Preact context), the
 * client-side navigation, and a loader hook with loading / error / data states.
 */
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from './api.ts';
import type { Session } from './types.ts';

export interface AppState {
  api: ApiClient;
  session: Session;
}

export const AppContext = createContext<AppState | undefined>(undefined);

export function useApp(): AppState {
  const state = useContext(AppContext);
  if (state === undefined) throw new TypeError('useApp outside of AppContext');
  return state;
}

export const NAVIGATE_EVENT = 'zg:navigate';

/** Changes the URL without a reload; the App re-renders on the event. */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace === true) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

/** The current location's query parameter (search pages keep their filters in the URL). */
export function queryParam(name: string): string {
  return new URLSearchParams(location.search).get(name) ?? '';
}

export type Load<T> = { state: 'loading' } | { state: 'error'; error: unknown } | { state: 'ok'; data: T };

/**
 * Runs `loader` when `deps` change; an answer that arrives after a newer call started is
 * dropped, so a slow search cannot overwrite a newer one.
 */
export function useLoad<T>(loader: () => Promise<T>, deps: readonly unknown[]): [Load<T>, () => void] {
  const [load, setLoad] = useState<Load<T>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  const generation = useRef(0);
  useEffect(() => {
    const mine = ++generation.current;
    setLoad({ state: 'loading' });
    loader().then(
      (data) => mine === generation.current && setLoad({ state: 'ok', data }),
      (error: unknown) => mine === generation.current && setLoad({ state: 'error', error }),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps -- deps are the caller's
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return [load, reload];
}

/** An action's progress: idle, busy, failed (with the error) or done (with a notice). */
export type ActionState = { state: 'idle' } | { state: 'busy' } | { state: 'error'; error: unknown } | { state: 'done'; notice: string };

export function useAction(): [ActionState, (run: () => Promise<string>) => Promise<boolean>, () => void] {
  const [action, setAction] = useState<ActionState>({ state: 'idle' });
  const run = useCallback(async (work: () => Promise<string>): Promise<boolean> => {
    setAction({ state: 'busy' });
    try {
      setAction({ state: 'done', notice: await work() });
      return true;
    } catch (error) {
      setAction({ state: 'error', error });
      return false;
    }
  }, []);
  const reset = useCallback(() => setAction({ state: 'idle' }), []);
  return [action, run, reset];
}

export interface Paged<T> {
  load: Load<T[]>;
  next: string | number | undefined;
  busy: boolean;
  moreError: unknown;
  more: () => void;
  reload: () => void;
}

/** A `{items, next}` list, newest first, with "Load more" appending the following page (`before=next`). */
export function usePaged<T>(fetchPage: (before: string | number | undefined) => Promise<{ items: T[]; next?: string | number }>, deps: readonly unknown[]): Paged<T> {
  const [extra, setExtra] = useState<{ items: T[]; next: string | number | undefined; busy: boolean; error: unknown }>({ items: [], next: undefined, busy: false, error: undefined });
  const [load, reload] = useLoad(async () => {
    const page = await fetchPage(undefined);
    setExtra({ items: [], next: page.next, busy: false, error: undefined });
    return page.items;
  }, deps);
  const more = (): void => {
    if (extra.next === undefined || extra.busy) return;
    setExtra({ ...extra, busy: true });
    fetchPage(extra.next).then(
      (page) => setExtra((e) => ({ items: [...e.items, ...page.items], next: page.next, busy: false, error: undefined })),
      (error: unknown) => setExtra((e) => ({ ...e, busy: false, error })),
    );
  };
  const combined: Load<T[]> = load.state === 'ok' ? { state: 'ok', data: [...load.data, ...extra.items] } : load;
  return { load: combined, next: extra.next, busy: extra.busy, moreError: extra.error, more, reload };
}
