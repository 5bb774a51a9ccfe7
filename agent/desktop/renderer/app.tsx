/**
 * The desktop window: one page whose content follows the app's phase (signed out, signing in,
 * connecting, connected, blocked), with the session prompt, the apps, the posture checklist
 * and the settings. Everything it knows comes from the preload bridge.
 */
import { useEffect, useState } from 'preact/hooks';
import type { CallResult, DesktopState, ProblemView, ZerogateBridge } from '../contract/index.ts';
import { AppsSection, Checklist, NotesBanner, ProblemBanner, ProxyList, SessionBanner, SettingsSection, SignedOut, SigningIn, StatusBadge } from './components.tsx';
import { blockedNames } from './format.ts';
import { Icon } from './icons.tsx';

export function App({ bridge }: { bridge: ZerogateBridge | undefined }) {
  const [state, setState] = useState<DesktopState | undefined>(undefined);
  const [error, setError] = useState<ProblemView | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (bridge === undefined) return undefined;
    const off = bridge.onState((next) => setState(next));
    void bridge.getState().then((result) => result.ok && setState(result.state));
    return off;
  }, [bridge]);

  if (bridge === undefined) {
    return (
      <main class="container">
        <h1>Zerogate</h1>
        <p role="alert">This page must be opened by the Zerogate app.</p>
      </main>
    );
  }
  if (state === undefined) return <main class="container" aria-busy="true"><p>Loading…</p></main>;

  /** Runs a bridge call; its answer replaces the state, or its error is shown. */
  const run = async (call: () => Promise<CallResult>): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      const result = await call();
      if (result.ok) setState(result.state);
      else setError(result.error);
    } catch (caught) {
      setError({ code: 'ZG_ERR_USAGE', message: caught instanceof Error ? caught.message : String(caught), reasons: [] });
    } finally {
      setBusy(false);
    }
  };

  const signedIn = state.phase === 'connecting' || state.phase === 'connected' || state.phase === 'blocked';
  // The keyring message is shown with the sign-in form already.
  const problem = error ?? (state.problem?.message === state.secrets.message ? undefined : state.problem);
  return (
    <>
      <header class="topbar">
        <span class="brand">Zerogate</span>
        <StatusBadge state={state} />
        {state.user !== undefined && signedIn ? <span class="whoami" data-testid="user">{state.user}</span> : null}
      </header>
      <main class="container" id="main">
        {problem !== undefined ? <ProblemBanner problem={problem} /> : null}
        {state.notes !== undefined && state.notes.length > 0 ? <NotesBanner notes={state.notes} /> : null}
        {signedIn && state.session?.expiringSoon === true ? <SessionBanner endsAt={state.session.endsAt} busy={busy} onSignIn={() => run(() => bridge.signIn())} /> : null}
        {state.phase === 'signed-out' ? <SignedOut state={state} busy={busy} onSignIn={(input) => run(() => bridge.signIn(input))} /> : null}
        {state.phase === 'signing-in' ? <SigningIn state={state} onCancel={() => run(() => bridge.cancelSignIn())} /> : null}
        {state.phase === 'connecting' ? (
          <section aria-labelledby="connecting-title" class="card">
            <h1 id="connecting-title">{state.tunnel === 'disconnected' ? 'Reconnecting to Zerogate…' : 'Connecting to Zerogate…'}</h1>
            <p class="lede">Checking this device and loading your apps. This takes a few seconds.</p>
          </section>
        ) : null}
        {state.phase === 'blocked' ? (
          <section class="banner banner-fail" role="alert" data-testid="blocked">
            <Icon name="fail" />
            <div>
            <h1>Access blocked</h1>
            <p>
              {blockedNames(state).length > 0 ? <>You cannot use <strong>{blockedNames(state).join(', ')}</strong> right now. </> : null}
              {state.posture.some((c) => c.status === 'fail') ? 'This device does not meet the security policy: see what to do below.' : 'See the reason below.'}
            </p>
            </div>
          </section>
        ) : null}
        {state.phase === 'connected' || state.phase === 'blocked' ? (
          <AppsSection apps={state.apps} busy={busy} onConnect={(id) => run(() => bridge.connect(id))} onDisconnect={(id) => run(() => bridge.disconnect(id))} />
        ) : null}
        <Checklist checks={state.posture} collectedAt={state.postureCollectedAt} />
        <SettingsSection state={state} onStartAtLogin={(value) => run(() => bridge.setStartAtLogin(value))} />
        {signedIn ? (
          <section class="account" aria-label="Account">
            <div>
              <p class="muted small">
                Device <code>{state.deviceId}</code>
              </p>
              <ProxyList state={state} />
            </div>
            <button type="button" class="secondary" disabled={busy} onClick={() => run(() => bridge.signOut())}>
              Sign out
            </button>
          </section>
        ) : null}
      </main>
    </>
  );
}
