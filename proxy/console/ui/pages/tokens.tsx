/**
 * API tokens (admin): list, create (the token is shown once: the proxy keeps only its hash),
 * revoke.
 */
import type { JSX } from 'preact';
import { useId, useState } from 'preact/hooks';
import { seg } from '../api.ts';
import { ActionStatus, ConfirmAction, Empty, Loaded, SelectField, TextField } from '../components.tsx';
import { formatTime } from '../format.ts';
import { useAction, useApp, useLoad } from '../state.ts';
import type { ApiToken, CreatedToken } from '../types.ts';

const TTLS = [
  { value: '1d', label: '1 day' },
  { value: '7d', label: '7 days' },
  { value: '30d', label: '30 days' },
  { value: '90d', label: '90 days (the most)' },
];

export function TokensPage(): JSX.Element {
  const { api } = useApp();
  const [tokens, reload] = useLoad(() => api.get<{ items: ApiToken[] }>('/v1/admin/api-tokens'), []);
  const [action, run] = useAction();
  const [created, setCreated] = useState<CreatedToken | undefined>(undefined);
  const revoke = (token: ApiToken): Promise<boolean> =>
    run(async () => {
      await api.send('POST', `/v1/admin/api-tokens/${seg(token.id)}/revoke`);
      reload();
      return `Revoked ${token.name}. It is refused from its next request.`;
    });
  return (
    <>
      <h1>API tokens</h1>
      <p class="lede">Tokens for scripts and automation that call the admin and helpdesk API. Each has a role and expires.</p>
      {created === undefined ? null : <NewToken token={created} onDone={() => setCreated(undefined)} />}
      <ActionStatus action={action} />
      <Loaded load={tokens} what="the API tokens">
        {(data) =>
          data.items.length === 0 ? (
            <Empty>No API tokens yet.</Empty>
          ) : (
            <div class="table-wrap">
              <table data-testid="tokens-table">
                <caption class="visually-hidden">API tokens</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Role</th>
                    <th scope="col">Status</th>
                    <th scope="col">Created</th>
                    <th scope="col">Expires</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((t) => (
                    <tr key={t.id} data-token-id={t.id}>
                      <th scope="row">
                        {t.name}
                        <div class="muted small">
                          <code>{t.id}</code>
                        </div>
                      </th>
                      <td>{t.role}</td>
                      <td>
                        <span class={`tag ${t.status === 'active' ? 'good' : 'bad'}`}>{t.status}</span>
                        {t.revokedAt === undefined ? null : <span class="muted small"> {formatTime(t.revokedAt)}</span>}
                      </td>
                      <td>{formatTime(t.createdAt)}</td>
                      <td>{formatTime(t.expiresAt)}</td>
                      <td>
                        {t.status === 'active' ? (
                          <ConfirmAction label="Revoke" confirmLabel={`Revoke token ${t.name}`} question={`Revoke ${t.name}? Whatever uses it stops working.`} reason="optional" onConfirm={() => revoke(t)} />
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
      <CreateToken
        onCreated={(t) => {
          setCreated(t);
          reload();
        }}
      />
    </>
  );
}

function CreateToken(props: { onCreated: (token: CreatedToken) => void }): JSX.Element {
  const { api } = useApp();
  const [name, setName] = useState('');
  const [role, setRole] = useState('helpdesk');
  const [ttl, setTtl] = useState('30d');
  const [action, run] = useAction();
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    let token: CreatedToken | undefined;
    const ok = await run(async () => {
      token = await api.send<CreatedToken>('POST', '/v1/admin/api-tokens', { name: name.trim(), role, ttl });
      return `Created ${token.name}.`;
    });
    if (ok && token !== undefined) {
      setName('');
      props.onCreated(token);
    }
  };
  return (
    <section class="card" aria-labelledby="create-token-title">
      <h2 id="create-token-title">Create a token</h2>
      <form onSubmit={submit} data-testid="token-form">
        <div class="grid">
          <TextField label="Token name" value={name} onInput={setName} required maxLength={64} hint="Who or what uses it, e.g. ticket-bot" />
          <SelectField
            label="Role"
            value={role}
            onChange={setRole}
            options={[
              { value: 'helpdesk', label: 'helpdesk (read only)' },
              { value: 'admin', label: 'admin (may change everything)' },
            ]}
          />
          <SelectField label="Expires after" value={ttl} onChange={setTtl} options={TTLS} />
        </div>
        <div class="buttons">
          <button type="submit" class="primary" disabled={action.state === 'busy'}>
            Create token
          </button>
        </div>
        {action.state === 'error' ? <ActionStatus action={action} /> : null}
      </form>
    </section>
  );
}

/** The new token, once: a read-only field, a copy button, and a warning. */
function NewToken(props: { token: CreatedToken; onDone: () => void }): JSX.Element {
  const id = useId();
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const copy = (): void => {
    navigator.clipboard.writeText(props.token.token).then(
      () => setCopied('yes'),
      () => setCopied('failed'),
    );
  };
  return (
    <section class="card new-token" aria-labelledby={`${id}-title`} data-testid="new-token">
      <h2 id={`${id}-title`}>Token {props.token.name} created</h2>
      <p class="warning" role="alert">
        Copy it now: this is the only time it is shown. The proxy keeps only a hash; a lost token cannot be shown again, only replaced.
      </p>
      <div class="field">
        <label for={id}>New API token</label>
        <input id={id} type="text" class="code" readOnly value={props.token.token} onFocus={(e) => e.currentTarget.select()} />
      </div>
      <p class="muted">
        Role {props.token.role}, expires {formatTime(props.token.expiresAt)}.
      </p>
      <div class="buttons">
        <button type="button" class="primary" onClick={copy}>
          Copy token
        </button>
        <button type="button" onClick={props.onDone}>
          Done
        </button>
        <span role="status">{copied === 'yes' ? 'Copied.' : copied === 'failed' ? 'Could not copy: select the text and copy it by hand.' : ''}</span>
      </div>
    </section>
  );
}
