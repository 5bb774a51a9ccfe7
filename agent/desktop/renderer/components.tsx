/** The window's parts. Status is always an icon and words, never colour alone. */
import { useEffect, useState } from 'preact/hooks';
import { MAX_PROXY_URLS, type AppView, type CheckView, type DesktopState, type ProblemView, type SignInInput } from '../contract/index.ts';
import { CHECK_TEXT, clock, finding, PHASE_TEXT } from './format.ts';
import { Icon } from './icons.tsx';

export function StatusBadge({ state }: { state: DesktopState }) {
  const { label, icon } = PHASE_TEXT[state.phase];
  return (
    <span class={`status status-${state.phase}`} data-testid="status" role="status">
      <Icon name={icon} />
      <span>{label}</span>
    </span>
  );
}

export function ProblemBanner({ problem }: { problem: ProblemView }) {
  return (
    <div class="banner banner-warn" role="alert" data-testid="problem">
      <Icon name="warn" />
      <div>
        <p>{problem.message}</p>
        <p class="muted small">
          <code data-testid="problem-code">{problem.code}</code>
          {problem.reasons.length > 0 ? ` · ${problem.reasons.join(', ')}` : ''}
        </p>
      </div>
    </div>
  );
}

/** What the last sign-in noted (not errors): e.g. a proxy address kept for when it answers. */
export function NotesBanner({ notes }: { notes: readonly string[] }) {
  return (
    <div class="banner banner-info" role="status" data-testid="notes">
      <Icon name="info" />
      <div>
        {notes.map((note) => (
          <p key={note}>{note}</p>
        ))}
      </div>
    </div>
  );
}

export function SessionBanner({ endsAt, busy, onSignIn }: { endsAt: string; busy: boolean; onSignIn: () => void }) {
  return (
    <section class="banner banner-warn" role="alert" aria-labelledby="session-title" data-testid="session-expiring">
      <Icon name="wait" />
      <div>
        <h2 id="session-title">Your session ends at {clock(endsAt)}</h2>
        <p>Sign in again now to keep access to your apps. Your browser opens; your apps stay connected meanwhile.</p>
        <button type="button" class="primary" disabled={busy} onClick={onSignIn}>
          Sign in again
        </button>
      </div>
    </section>
  );
}

/** The configured proxy addresses: the enrolment's list, or (older states) the one address. */
export function proxiesOf(state: DesktopState): string[] {
  return state.proxies ?? (state.proxy === undefined ? [] : [state.proxy]);
}

/** One field per proxy address (each may also hold a comma-separated list, as `--proxy` may). */
function ProxyFields({ fields, onChange }: { fields: { id: number; value: string }[]; onChange: (fields: { id: number; value: string }[]) => void }) {
  const [next, setNext] = useState(fields.length);
  // A field just added gets the focus, so keyboard users type on.
  const [focusId, setFocusId] = useState<number | undefined>(undefined);
  useEffect(() => {
    if (focusId === undefined) return;
    document.getElementById(`proxy-url-${focusId}`)?.focus();
    setFocusId(undefined);
  }, [focusId]);
  const set = (id: number, value: string) => onChange(fields.map((f) => (f.id === id ? { id, value } : f)));
  return (
    <fieldset class="proxy-fields" data-testid="proxy-fields">
      <legend>Proxy address</legend>
      <p class="muted small" id="proxy-hint">
        Your organisation may give you several addresses (for when one is down): add each one, or separate them with commas.
      </p>
      {fields.map((field, index) => {
        const label = index === 0 ? 'Proxy address' : `Proxy address ${index + 1}`;
        return (
          <div class="proxy-field" key={field.id}>
            <label for={`proxy-url-${field.id}`} class="visually-hidden">
              {label}
            </label>
            <input
              id={`proxy-url-${field.id}`}
              type="text"
              inputMode="url"
              required={index === 0}
              spellcheck={false}
              autoComplete="url"
              aria-describedby="proxy-hint"
              placeholder={index === 0 ? 'https://access.example.com:8443' : 'https://access2.example.com:8443'}
              value={field.value}
              onInput={(e) => set(field.id, (e.target as HTMLInputElement).value)}
            />
            {index > 0 ? (
              <button type="button" class="secondary" aria-label={`Remove ${label.toLowerCase()}`} onClick={() => onChange(fields.filter((f) => f.id !== field.id))}>
                Remove
              </button>
            ) : null}
          </div>
        );
      })}
      <button
        type="button"
        class="secondary"
        disabled={fields.length >= MAX_PROXY_URLS}
        onClick={() => {
          onChange([...fields, { id: next, value: '' }]);
          setFocusId(next);
          setNext(next + 1);
        }}
      >
        Add another address
      </button>
    </fieldset>
  );
}

export function SignedOut({ state, busy, onSignIn }: { state: DesktopState; busy: boolean; onSignIn: (input: SignInInput) => void }) {
  const [proxyFields, setProxyFields] = useState([{ id: 0, value: '' }]);
  const [caFingerprint, setCaFingerprint] = useState('');
  const blocked = !state.secrets.available;
  const submit = (event: Event): void => {
    event.preventDefault();
    const proxyUrls = proxyFields.map((f) => f.value.trim()).filter((v) => v !== '');
    onSignIn(state.needsProxy ? { proxyUrls, caFingerprint: caFingerprint.trim() } : {});
  };
  const enrolledWith = proxiesOf(state);
  return (
    <section class="card" aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in to Zerogate</h1>
      <p class="lede">
        Zerogate connects you to your organisation's internal apps. You sign in with your work account in your web browser.
      </p>
      {blocked ? (
        <div class="banner banner-fail" role="alert" data-testid="secrets-unavailable">
          <Icon name="fail" />
          <p>{state.secrets.message}</p>
        </div>
      ) : null}
      <form onSubmit={submit} data-testid="signin-form">
        {state.needsProxy ? (
          <>
            <p>First sign-in on this device: enter what your administrator gave you.</p>
            <ProxyFields fields={proxyFields} onChange={setProxyFields} />
            <label for="ca-fingerprint">CA fingerprint (SHA-256)</label>
            <input id="ca-fingerprint" type="text" required spellcheck={false} autoComplete="off" placeholder="AB:CD:…" class="code" value={caFingerprint} onInput={(e) => setCaFingerprint((e.target as HTMLInputElement).value)} />
          </>
        ) : enrolledWith.length > 0 ? (
          <p>
            This device is enrolled with{' '}
            {enrolledWith.map((origin, i) => (
              <span key={origin}>
                {i === 0 ? '' : i === enrolledWith.length - 1 ? ' and ' : ', '}
                <code>{origin}</code>
              </span>
            ))}
            .
          </p>
        ) : null}
        <button type="submit" class="primary" disabled={busy || blocked}>
          Sign in with your browser
        </button>
      </form>
    </section>
  );
}

export function SigningIn({ state, onCancel }: { state: DesktopState; onCancel: () => void }) {
  return (
    <section class="card" aria-labelledby="signing-in-title" aria-live="polite" data-testid="signing-in">
      <h1 id="signing-in-title">Continue in your browser</h1>
      <p class="lede">
        Your web browser opened your organisation's sign-in page{state.signInStartedAt === undefined ? '' : ` at ${clock(state.signInStartedAt)}`}. Sign in there,
        then come back to this window: it updates by itself.
      </p>
      <p class="muted small">No browser window? Check your taskbar or dock, or cancel and try again.</p>
      <button type="button" class="secondary" onClick={onCancel}>
        Cancel sign-in
      </button>
    </section>
  );
}

function AppRow({ app, busy, onConnect, onDisconnect }: { app: AppView; busy: boolean; onConnect: (id: string) => void; onDisconnect: (id: string) => void }) {
  const on = app.connection.state === 'on';
  return (
    <li class={`app ${app.allowed ? 'app-allowed' : 'app-denied'}`} data-app={app.id}>
      <div class="app-head">
        <div>
          <h3>{app.name}</h3>
          <p class="muted small">
            <code>{app.id}</code> · {app.protocol}
          </p>
        </div>
        <span class={`pill ${app.allowed ? 'pill-ok' : 'pill-fail'}`} data-testid="app-access">
          <Icon name={app.allowed ? 'ok' : 'fail'} />
          {app.allowed ? 'Allowed' : 'Blocked'}
        </span>
      </div>
      {on && app.connection.address !== undefined ? (
        <p class="address">
          Open at <code data-testid="app-address">{app.connection.address}</code>
        </p>
      ) : null}
      {!app.allowed && app.remediation.length > 0 ? (
        <div class="remedy">
          <p class="remedy-title">What to do</p>
          <ul>
            {app.remediation.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {app.allowed && app.reportOnly && app.reasons.length > 0 ? <p class="muted small">Allowed for now; a policy under test would block it ({app.reasons.join(', ')}).</p> : null}
      <div class="actions">
        {on ? (
          <button type="button" class="secondary" disabled={busy} aria-label={`Disconnect ${app.name}`} onClick={() => onDisconnect(app.id)}>
            Disconnect
          </button>
        ) : (
          <button type="button" class="primary" disabled={busy || !app.allowed || app.connection.state === 'starting'} aria-label={`Connect ${app.name}`} onClick={() => onConnect(app.id)}>
            {app.connection.state === 'starting' ? 'Connecting…' : 'Connect'}
          </button>
        )}
      </div>
    </li>
  );
}

export function AppsSection({ apps, busy, onConnect, onDisconnect }: { apps: AppView[]; busy: boolean; onConnect: (id: string) => void; onDisconnect: (id: string) => void }) {
  return (
    <section aria-labelledby="apps-title">
      <h2 id="apps-title">Your apps</h2>
      {apps.length === 0 ? (
        <p class="muted">No apps are published for you yet. Ask your administrator if you expected some.</p>
      ) : (
        <>
          <p class="muted small">Connect an app, then open its local address in your browser or client.</p>
          <ul class="apps" data-testid="apps">
            {apps.map((app) => (
              <AppRow key={app.id} app={app} busy={busy} onConnect={onConnect} onDisconnect={onDisconnect} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

export function Checklist({ checks, collectedAt }: { checks: CheckView[]; collectedAt: string | undefined }) {
  return (
    <section aria-labelledby="posture-title">
      <h2 id="posture-title">This device's security checks</h2>
      {checks.length === 0 ? (
        <p class="muted">Checking this device…</p>
      ) : (
        <ul class="checks" data-testid="checklist">
          {checks.map((check) => {
            const status = CHECK_TEXT[check.status];
            return (
              <li key={check.check} class={`check check-${check.status}`} data-check={check.check}>
                <span class="check-status">
                  <Icon name={status.icon} />
                  <span class="visually-hidden">{status.label}: </span>
                </span>
                <div>
                  <p>
                    <strong>{check.label}</strong>: {finding(check.summary, check.label)} <span class={`tag tag-${check.status}`}>{status.label}</span>
                  </p>
                  {check.remediation !== undefined ? (
                    <p class="remedy-text" data-testid="remediation">
                      <strong>What to do:</strong> {check.remediation}
                    </p>
                  ) : null}
                </div>
              </li>
            );
          })}
        </ul>
      )}
      {collectedAt !== undefined ? <p class="muted small">Checked at {clock(collectedAt)}; checked again every few seconds.</p> : null}
    </section>
  );
}

export function SettingsSection({ state, onStartAtLogin }: { state: DesktopState; onStartAtLogin: (value: boolean) => void }) {
  return (
    <section aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <label class="checkbox">
        <input type="checkbox" checked={state.settings.startAtLogin} onChange={(e) => onStartAtLogin((e.target as HTMLInputElement).checked)} />
        Start Zerogate when I log in to this computer
      </label>
      {state.secrets.available ? <p class="muted small">Your sign-in is stored encrypted by {state.secrets.store}.</p> : null}
    </section>
  );
}

/**
 * The proxy addresses this device uses, the one in use marked by an icon and words (it moves
 * when the agent fails over to another node); none is marked while (re)connecting.
 */
export function ProxyList({ state }: { state: DesktopState }) {
  const proxies = proxiesOf(state);
  const inUse = state.endpoint;
  if (proxies.length === 0) return null;
  return (
    <div class="proxies" data-testid="proxies">
      <p class="muted small" id="proxies-title">
        {proxies.length === 1 ? 'Proxy address' : 'Proxy addresses'}
        {inUse === undefined ? ' (not connected right now)' : ''}
      </p>
      <ul aria-labelledby="proxies-title">
        {proxies.map((origin) => {
          const here = inUse?.origin === origin;
          return (
            <li key={origin} data-testid="proxy" data-in-use={here ? 'true' : 'false'} aria-current={here ? 'true' : undefined}>
              <code>{origin}</code>
              {here ? (
                <span class="tag tag-pass" data-testid="proxy-in-use">
                  <Icon name="ok" /> In use{inUse.label === origin ? '' : ` (${inUse.address})`} since {clock(inUse.since)}
                </span>
              ) : null}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
