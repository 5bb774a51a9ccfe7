/**
 * The console shell: asks the proxy who is signed in (GET /console/api/session), then shows the
 * nav bar and the page of the current client-side route, or the sign-in page.
 */
import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, createApi, SESSION_REQUIRED } from './api.ts';
import { ErrorMessage, Link, Loading } from './components.tsx';
import { AppsPage } from './pages/apps.tsx';
import { AuditPage } from './pages/audit.tsx';
import { DeviceDetailPage } from './pages/device-detail.tsx';
import { DevicesPage } from './pages/devices.tsx';
import { InventoryPage } from './pages/inventory.tsx';
import { MyDevicesPage } from './pages/my-devices.tsx';
import { PoliciesPage, PolicyPage } from './pages/policies.tsx';
import { SessionsPage } from './pages/sessions.tsx';
import { SignedOutPage } from './pages/signed-out.tsx';
import { TokensPage } from './pages/tokens.tsx';
import { WhyBlockedPage } from './pages/why-blocked.tsx';
import { homeOf, mayOpen, navFor, parseRoute, pathOf, sectionOf, type Route } from './router.ts';
import { AppContext, NAVIGATE_EVENT, navigate, type AppState, type Load } from './state.ts';
import type { Session } from './types.ts';

/** Re-renders on every client-side navigation and on back/forward. */
function useLocation(): string {
  const [location, setLocation] = useState(window.location.pathname + window.location.search);
  useEffect(() => {
    const update = (): void => setLocation(window.location.pathname + window.location.search);
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATE_EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATE_EVENT, update);
    };
  }, []);
  return location;
}

export function App(): JSX.Element {
  const location = useLocation();
  const [session, setSession] = useState<Load<Session | null>>({ state: 'loading' });
  const csrf = useRef<string | undefined>(undefined);
  const api = useMemo(() => createApi({ csrf: () => csrf.current, onSessionLost: () => setSession({ state: 'ok', data: null }) }), []);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    setSession({ state: 'loading' });
    api.get<Session>('/console/api/session').then(
      (s) => {
        csrf.current = s.csrf;
        setSession({ state: 'ok', data: s });
      },
      (error: unknown) => setSession(error instanceof ApiError && error.status === 401 && error.code === SESSION_REQUIRED ? { state: 'ok', data: null } : { state: 'error', error }),
    );
  }, [api, attempt]);

  if (session.state === 'loading') return <main class="container"><Loading what="your session" /></main>;
  if (session.state === 'error')
    return (
      <main class="container">
        <h1>Zerogate console</h1>
        <ErrorMessage error={session.error} title="Could not check your session" />
        <button type="button" onClick={() => setAttempt((a) => a + 1)}>
          Try again
        </button>
      </main>
    );
  if (session.data === null) return <SignedOutPage />;
  const signedIn = session.data;
  const signOut = async (): Promise<void> => {
    try {
      await api.send('POST', '/console/logout');
    } finally {
      csrf.current = undefined;
      setSession({ state: 'ok', data: null });
      navigate('/console/', { replace: true });
    }
  };
  return (
    <AppContext.Provider value={{ api, session: signedIn }}>
      <Shell session={signedIn} location={location} onSignOut={signOut} />
    </AppContext.Provider>
  );
}

function Shell(props: { session: Session; location: string; onSignOut: () => Promise<void> }): JSX.Element {
  const { session } = props;
  const pathname = props.location.split('?')[0] ?? '/console/';
  const route = parseRoute(pathname);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    if (route.page === 'home') navigate(pathOf(homeOf(session.role)), { replace: true });
  }, [route.page, session.role]);
  // After a navigation, focus moves to the page (screen readers announce it); not on first load.
  useEffect(() => {
    if (first.current) first.current = false;
    else main.current?.focus();
  }, [pathname]);
  const section = sectionOf(route);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <nav class="nav" aria-label="Console">
          <span class="brand">Zerogate</span>
          <ul>
            {navFor(session.role).map((item) => (
              <li key={item.label}>
                <Link href={pathOf(item.route)} current={item.route.page === section}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="whoami" data-testid="whoami">
          <span data-testid="user">{session.name ?? session.user}</span>
          {session.name !== undefined ? <span class="muted"> ({session.user})</span> : null}{' '}
          <span class={`role role-${session.role}`} data-testid="role">
            {session.role}
          </span>{' '}
          <button type="button" onClick={() => void props.onSignOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" class="container" tabIndex={-1} ref={main}>
        <Page route={route} session={session} />
      </main>
    </>
  );
}

function Page(props: { route: Route; session: Session }): JSX.Element {
  const { route, session } = props;
  useEffect(() => {
    document.title = `${titleOf(route)} · Zerogate console`;
  }, [route]);
  if (route.page === 'home') return <Loading />;
  if (!mayOpen(route, session.role))
    return (
      <>
        <h1>Not available</h1>
        <p data-testid="forbidden">This page is not available to your role ({session.role}).</p>
      </>
    );
  switch (route.page) {
    case 'apps':
      return <AppsPage />;
    case 'inventory':
      return <InventoryPage app={route.app} />;
    case 'policies':
      return <PoliciesPage />;
    case 'policy':
      return <PolicyPage name={route.name} />;
    case 'policy-new':
      return <PolicyPage />;
    case 'devices':
      return <DevicesPage />;
    case 'device':
      return <DeviceDetailPage id={route.id} />;
    case 'why-blocked':
      return <WhyBlockedPage />;
    case 'sessions':
      return <SessionsPage />;
    case 'audit':
      return <AuditPage />;
    case 'tokens':
      return <TokensPage />;
    case 'my-devices':
      return <MyDevicesPage />;
    case 'not-found':
      return (
        <>
          <h1>Page not found</h1>
          <p>
            There is no console page at <code>{route.path}</code>. <Link href="/console/">Go to the start page</Link>.
          </p>
        </>
      );
  }
}

function titleOf(route: Route): string {
  const titles: Record<Route['page'], string> = {
    home: 'Start',
    apps: 'Apps',
    inventory: 'API inventory',
    policies: 'Policies',
    policy: 'Policy',
    'policy-new': 'New policy',
    devices: 'Devices',
    device: 'Device',
    'why-blocked': 'Why blocked?',
    sessions: 'Sessions',
    audit: 'Audit',
    tokens: 'API tokens',
    'my-devices': 'My devices',
    'not-found': 'Not found',
  };
  return titles[route.page];
}

export type { AppState };
