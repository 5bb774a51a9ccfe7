/** The page before sign-in: one way in, through the identity provider. */
import type { JSX } from 'preact';
import { useEffect } from 'preact/hooks';
import { loginHref } from '../router.ts';

export function SignedOutPage(): JSX.Element {
  useEffect(() => {
    document.title = 'Sign in · Zerogate console';
  }, []);
  return (
    <main class="container signed-out" id="main" data-testid="signed-out">
      <h1>Sign in to Zerogate</h1>
      <p>The Zerogate console shows your devices and, for administrators and the helpdesk, the apps, policies and devices of everyone.</p>
      <p>You sign in with your company account, as with the Zerogate agent.</p>
      <a class="button primary" href={loginHref(window.location.pathname, window.location.search)}>
        Sign in
      </a>
    </main>
  );
}
