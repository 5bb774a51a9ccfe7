/** Live sessions (GET /v1/helpdesk/sessions); admins end all of one user's (POST /v1/admin/users/:user/sessions/revoke). */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { seg } from '../api.ts';
import { ActionStatus, ConfirmAction, Empty, ErrorMessage, Link, LoadMore, Loaded, TextField } from '../components.tsx';
import { formatTime } from '../format.ts';
import { navigate, queryParam, useAction, useApp, usePaged } from '../state.ts';
import type { LiveSession, Page } from '../types.ts';

export function SessionsPage(): JSX.Element {
  const { api, session } = useApp();
  const user = queryParam('user');
  const [input, setInput] = useState(user);
  const sessions = usePaged((before) => api.get<Page<LiveSession>>('/v1/helpdesk/sessions', { user, before, limit: 50 }), [user]);
  const [action, run] = useAction();
  const search = (event: Event): void => {
    event.preventDefault();
    const value = input.trim();
    navigate(value === '' ? '/console/sessions' : `/console/sessions?user=${encodeURIComponent(value)}`);
  };
  const revokeAll = (reason: string): Promise<boolean> =>
    run(async () => {
      const answer = await api.send<{ user: string; revoked: number }>('POST', `/v1/admin/users/${seg(user)}/sessions/revoke`, { reason });
      sessions.reload();
      return `Ended ${answer.revoked} session(s) of ${answer.user}. They must sign in again.`;
    });
  return (
    <>
      <h1>Sessions</h1>
      <p class="lede">Who is signed in, on which device, until when.</p>
      <form class="search card" onSubmit={search} role="search" aria-label="Sessions">
        <TextField label="User" value={input} onInput={setInput} placeholder="alice@example.com" hint="Empty: every live session" />
        <div class="buttons">
          <button type="submit" class="primary">
            Search
          </button>
        </div>
      </form>
      {session.role === 'admin' && user !== '' ? (
        <div class="card">
          <ConfirmAction
            label={`Revoke all sessions of ${user}`}
            confirmLabel={`Confirm revoke all sessions of ${user}`}
            question={`End every live session of ${user}? Their connections are cut; their devices stay enrolled and they can sign in again.`}
            reason="required"
            onConfirm={revokeAll}
          />
          <ActionStatus action={action} />
        </div>
      ) : null}
      <Loaded load={sessions.load} what="the sessions">
        {(items) =>
          items.length === 0 ? (
            <Empty>{user === '' ? 'Nobody is signed in.' : `${user} has no live session.`}</Empty>
          ) : (
            <>
              <div class="table-wrap">
                <table data-testid="sessions-table">
                  <caption class="visually-hidden">Live sessions</caption>
                  <thead>
                    <tr>
                      <th scope="col">User</th>
                      <th scope="col">Device</th>
                      <th scope="col">Method</th>
                      <th scope="col">Groups</th>
                      <th scope="col">Started</th>
                      <th scope="col">Ends</th>
                    </tr>
                  </thead>
                  <tbody>
                    {items.map((s, n) => (
                      <tr key={`${s.device}-${s.startedAt}-${n}`}>
                        <th scope="row">{s.user}</th>
                        <td>
                          <Link href={`/console/devices/${seg(s.device)}`}>{s.hostname ?? s.device}</Link>
                        </td>
                        <td>{s.method}</td>
                        <td>{s.groups.length === 0 ? '—' : s.groups.join(', ')}</td>
                        <td>{formatTime(s.startedAt)}</td>
                        <td>{formatTime(s.expiresAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {sessions.moreError === undefined ? null : <ErrorMessage error={sessions.moreError} title="Could not load more" />}
              <LoadMore next={sessions.next} busy={sessions.busy} onMore={sessions.more} />
            </>
          )
        }
      </Loaded>
    </>
  );
}
