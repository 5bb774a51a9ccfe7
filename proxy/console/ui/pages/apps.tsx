/**
 * Published apps (GET /v1/helpdesk/apps). Admins publish, edit and unpublish
 * (/v1/admin/apps); the helpdesk sees the table only: the controls are not rendered at all.
 */
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { seg } from '../api.ts';
import { ActionStatus, ConfirmAction, Empty, Link, Loaded, SelectField, TextField } from '../components.tsx';
import { formatTime, splitList } from '../format.ts';
import { useAction, useApp, useLoad } from '../state.ts';
import type { App, PolicyItem } from '../types.ts';

export function AppsPage(): JSX.Element {
  const { api, session } = useApp();
  const admin = session.role === 'admin';
  const [apps, reload] = useLoad(() => api.get<{ items: App[] }>('/v1/helpdesk/apps'), []);
  const [editing, setEditing] = useState<App | undefined>(undefined);
  const [formKey, setFormKey] = useState(0);
  const [action, run, resetAction] = useAction();
  const [notice, setNotice] = useState<string | undefined>(undefined);

  const unpublish = (app: App, reason: string): Promise<boolean> =>
    run(async () => {
      setNotice(undefined);
      await api.send('DELETE', `/v1/admin/apps/${seg(app.id)}`, reason === '' ? undefined : { reason });
      reload();
      return `Unpublished ${app.id}. Live connections to it were cut.`;
    });

  return (
    <>
      <h1>Apps</h1>
      <p class="lede">The apps Zerogate publishes, where their traffic goes, and the policy that guards each one.</p>
      <ActionStatus action={action} />
      {notice === undefined ? null : (
        <p class="notice" role="status" data-testid="notice">
          {notice}
        </p>
      )}
      <Loaded load={apps} what="the apps">
        {(data) =>
          data.items.length === 0 ? (
            <Empty>No apps are published yet.</Empty>
          ) : (
            <div class="table-wrap">
              <table data-testid="apps-table">
                <caption class="visually-hidden">Published apps</caption>
                <thead>
                  <tr>
                    <th scope="col">Id</th>
                    <th scope="col">Name</th>
                    <th scope="col">Upstream</th>
                    <th scope="col">Policy</th>
                    <th scope="col">Source</th>
                    {admin ? <th scope="col">Actions</th> : null}
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((app) => (
                    <tr key={app.id} data-app={app.id}>
                      <th scope="row">
                        <code>{app.id}</code>
                      </th>
                      <td>{app.name}</td>
                      <td>
                        <code>{app.upstream}</code>
                        {app.allowRestrictedUpstream === true ? <span class="tag warn">restricted upstream allowed</span> : null}
                        {/^https?:\/\//.test(app.upstream) ? (
                          <>
                            {' '}
                            <Link href={`/console/apps/${seg(app.id)}/inventory`} class="small" aria-label={`API inventory of ${app.id}`}>
                              API inventory
                            </Link>
                          </>
                        ) : null}
                      </td>
                      <td>{app.policy === undefined ? <span class="muted">none (users list only)</span> : <Link href={`/console/policies/${seg(app.policy)}`}>{app.policy}</Link>}</td>
                      <td>
                        {app.source}
                        {app.updatedBy === undefined ? null : <span class="muted small"> by {app.updatedBy}, {formatTime(app.updatedAt)}</span>}
                      </td>
                      {admin ? (
                        <td class="actions">
                          <button type="button" onClick={() => { setNotice(undefined); setEditing(app); }} aria-label={`Edit ${app.id}`}>
                            Edit
                          </button>
                          <ConfirmAction
                            label="Unpublish"
                            confirmLabel={`Unpublish ${app.id}`}
                            question={`Unpublish ${app.id}? People lose access at once and live connections are cut.${app.source === 'config' ? ' It stays unpublished even though the config file names it.' : ''}`}
                            reason="optional"
                            onConfirm={(reason) => unpublish(app, reason)}
                          />
                        </td>
                      ) : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
      {admin ? (
        <AppForm
          key={`${editing?.id ?? 'new'}-${formKey}`}
          editing={editing}
          onDone={(message) => {
            resetAction();
            setNotice(message);
            setEditing(undefined);
            setFormKey((k) => k + 1);
            reload();
          }}
          onCancel={() => setEditing(undefined)}
        />
      ) : null}
    </>
  );
}

/** The publish form; with `editing`, the same form edits that app (its id cannot change). */
function AppForm(props: { editing: App | undefined; onDone: (notice: string) => void; onCancel: () => void }): JSX.Element {
  const { api } = useApp();
  const { editing } = props;
  const [policies] = useLoad(() => api.get<{ items: PolicyItem[] }>('/v1/helpdesk/policies'), []);
  const [id, setId] = useState(editing?.id ?? '');
  const [name, setName] = useState(editing?.name ?? '');
  const [upstream, setUpstream] = useState(editing?.upstream ?? '');
  const [policy, setPolicy] = useState(editing?.policy ?? '');
  const [users, setUsers] = useState((editing?.users ?? []).join(', '));
  const [restricted, setRestricted] = useState(editing?.allowRestrictedUpstream === true);
  const [reason, setReason] = useState('');
  const [action, run] = useAction();
  const heading = useRef<HTMLHeadingElement>(null);
  // Edit is clicked in the table above: bring the form into view and focus for keyboard users.
  useEffect(() => {
    if (editing !== undefined) heading.current?.focus();
  }, [editing]);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const body = {
      ...(name.trim() === '' ? {} : { name: name.trim() }),
      upstream: upstream.trim(),
      ...(policy === '' ? {} : { policy }),
      users: splitList(users),
      allowRestrictedUpstream: restricted,
      ...(reason.trim() === '' ? {} : { reason: reason.trim() }),
    };
    let notice = '';
    const ok = await run(async () => {
      if (editing === undefined) {
        const app = await api.send<App>('POST', '/v1/admin/apps', { id: id.trim(), ...body });
        notice = `Published ${app.id}.`;
      } else {
        const app = await api.send<App>('PUT', `/v1/admin/apps/${seg(editing.id)}`, body);
        notice = `Saved ${app.id}.`;
      }
      return notice;
    });
    if (ok) props.onDone(notice);
  };

  const policyOptions = [
    { value: '', label: 'No policy (only the users list decides)' },
    ...(policies.state === 'ok' ? policies.data.items.map((p) => ({ value: p.name, label: p.name })) : policy === '' ? [] : [{ value: policy, label: policy }]),
  ];
  const title = editing === undefined ? 'Publish an app' : `Edit ${editing.id}`;
  return (
    <section class="card" aria-labelledby="app-form-title">
      <h2 id="app-form-title" tabIndex={-1} ref={heading}>
        {title}
      </h2>
      <form onSubmit={submit} data-testid="app-form">
        {editing === undefined ? (
          <TextField label="App id" value={id} onInput={setId} required pattern="[a-z0-9][a-z0-9\-]*" maxLength={63} hint="Lowercase letters, digits and dashes; people type it in `zerogate connect <id>`." />
        ) : null}
        <TextField label="Name" value={name} onInput={setName} maxLength={200} />
        <TextField label="Upstream" value={upstream} onInput={setUpstream} required placeholder="tcp://db.internal:5432" hint="tcp://host:port, http://host[:port] or https://host[:port]" />
        <SelectField label="Policy" value={policy} onChange={setPolicy} options={policyOptions} />
        <TextField label="Users" value={users} onInput={setUsers} hint="Who may use it besides what the policy admits: user names or emails, separated by commas." />
        <div class="field checkbox">
          <input id="app-restricted" type="checkbox" checked={restricted} onChange={(e) => setRestricted(e.currentTarget.checked)} aria-describedby="app-restricted-warning" />
          <label for="app-restricted">Allow a restricted upstream</label>
          <p id="app-restricted-warning" class={restricted ? 'warning' : 'hint'}>
            Warning: this lets the app point at loopback, link-local or cloud metadata addresses (such as 169.254.169.254), which are refused otherwise
            because an app there can reach the proxy host itself. Only for an app you know runs there.
          </p>
        </div>
        <TextField label="Reason (optional, recorded in the audit trail)" value={reason} onInput={setReason} maxLength={500} />
        <div class="buttons">
          <button type="submit" class="primary" disabled={action.state === 'busy'}>
            {editing === undefined ? 'Publish app' : 'Save app'}
          </button>
          {editing === undefined ? null : (
            <button type="button" onClick={props.onCancel}>
              Cancel
            </button>
          )}
        </div>
        <ActionStatus action={action} />
      </form>
    </section>
  );
}
