/**
 * Policies (GET /v1/helpdesk/policies) and the policy editor: JSON exactly as under
 * `policies.<name>` in the config file (docs/policy.md), validated as you type by the proxy's
 * own config loader (POST /v1/admin/policies/validate), saved with PUT, and tried out with the
 * simulator. The helpdesk reads; only admins validate, save and simulate.
 */
import type { JSX } from 'preact';
import { useEffect, useId, useState } from 'preact/hooks';
import { ApiError, seg } from '../api.ts';
import { ActionStatus, ConfirmAction, Empty, ErrorMessage, Link, Loaded, Loading } from '../components.tsx';
import { parsePolicyText } from '../format.ts';
import { navigate, useAction, useApp, useLoad } from '../state.ts';
import type { PolicyIssue, PolicyItem } from '../types.ts';
import { SimulatePanel } from './simulate.tsx';

/** How long the editor waits after the last keystroke before asking the proxy to validate. */
export const VALIDATE_DEBOUNCE_MS = 300;

const TEMPLATE = { allow: [{ groups: ['engineering'] }], require: { mfa: true, posture: { diskEncryption: true } } };

export function PoliciesPage(): JSX.Element {
  const { api, session } = useApp();
  const admin = session.role === 'admin';
  const [policies] = useLoad(() => api.get<{ items: PolicyItem[] }>('/v1/helpdesk/policies'), []);
  return (
    <>
      <h1>Policies</h1>
      <p class="lede">Who may use an app and what their sign-in and device must show. Written as in the config file (see docs/policy.md).</p>
      {admin ? (
        <p>
          <Link class="button primary" href="/console/policies/new">
            New policy
          </Link>
        </p>
      ) : null}
      <Loaded load={policies} what="the policies">
        {(data) =>
          data.items.length === 0 ? (
            <Empty>No policies yet.</Empty>
          ) : (
            <div class="table-wrap">
              <table data-testid="policies-table">
                <caption class="visually-hidden">Policies</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Source</th>
                    <th scope="col">Used by</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((p) => (
                    <tr key={p.name} data-policy={p.name}>
                      <th scope="row">
                        <Link href={`/console/policies/${seg(p.name)}`}>{p.name}</Link>
                      </th>
                      <td>{p.source}</td>
                      <td>{p.usedBy.length === 0 ? <span class="muted">no app</span> : p.usedBy.join(', ')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
      {admin ? <SimulatePanel /> : null}
    </>
  );
}

/** One policy: read-only for the helpdesk, the editor for admins; without `name`, a new policy. */
export function PolicyPage(props: { name?: string }): JSX.Element {
  const { api } = useApp();
  const [policies] = useLoad(() => api.get<{ items: PolicyItem[] }>('/v1/helpdesk/policies'), []);
  if (props.name === undefined) return <PolicyEditor key="new" initial={TEMPLATE} />;
  if (policies.state === 'loading') return <Loading what="the policy" />;
  if (policies.state === 'error') return <ErrorMessage error={policies.error} title="Could not load the policy" />;
  const item = policies.data.items.find((p) => p.name === props.name);
  if (item === undefined)
    return (
      <>
        <h1>Policy {props.name}</h1>
        <Empty>
          There is no policy named <code>{props.name}</code>. <Link href="/console/policies">All policies</Link>
        </Empty>
      </>
    );
  return <PolicyEditor key={item.name} item={item} initial={item.policy} />;
}

type Validation = { state: 'idle' } | { state: 'checking' } | { state: 'valid' } | { state: 'invalid'; issues: PolicyIssue[] } | { state: 'error'; error: unknown };

/** Validates `text` VALIDATE_DEBOUNCE_MS after it stops changing; a JSON syntax error is found locally. */
function useValidation(text: string, enabled: boolean): Validation {
  const { api } = useApp();
  const [validation, setValidation] = useState<Validation>({ state: 'idle' });
  useEffect(() => {
    if (!enabled) return;
    const parsed = parsePolicyText(text);
    if (!parsed.ok) {
      setValidation({ state: 'invalid', issues: [{ path: 'policy', expected: 'a JSON object', found: 'text', message: parsed.message }] });
      return;
    }
    setValidation({ state: 'checking' });
    let current = true;
    const timer = setTimeout(() => {
      api.send('POST', '/v1/admin/policies/validate', { policy: parsed.value }).then(
        () => current && setValidation({ state: 'valid' }),
        (error: unknown) => {
          if (!current) return;
          if (error instanceof ApiError && error.issues.length > 0) setValidation({ state: 'invalid', issues: [...error.issues] });
          else setValidation({ state: 'error', error });
        },
      );
    }, VALIDATE_DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [text, enabled, api]);
  return validation;
}

function ValidationView(props: { validation: Validation }): JSX.Element | null {
  const v = props.validation;
  const body = (() => {
    switch (v.state) {
      case 'idle':
        return null;
      case 'checking':
        return <p class="muted">Checking…</p>;
      case 'valid':
        return (
          <p class="status status-pass">
            <span aria-hidden="true">✓</span> Valid policy
          </p>
        );
      case 'invalid':
        return (
          <>
            <p class="status status-fail">
              <span aria-hidden="true">✗</span> {v.issues.length === 1 ? '1 problem' : `${v.issues.length} problems`}
            </p>
            <ul class="issues">
              {v.issues.map((i, n) => (
                <li key={n} data-path={i.path}>
                  <code>{i.path}</code>: {i.message}
                </li>
              ))}
            </ul>
          </>
        );
      case 'error':
        return <ErrorMessage error={v.error} title="Could not validate" />;
    }
  })();
  return (
    <div class="validation" data-testid="policy-validation" data-state={v.state} aria-live="polite">
      {body}
    </div>
  );
}

function PolicyEditor(props: { item?: PolicyItem; initial: unknown }): JSX.Element {
  const { api, session } = useApp();
  const { item } = props;
  const admin = session.role === 'admin';
  const editorId = useId();
  const nameId = useId();
  const reasonId = useId();
  const [name, setName] = useState(props.item?.name ?? '');
  const [text, setText] = useState(() => JSON.stringify(props.initial, null, 2));
  const [reason, setReason] = useState('');
  const validation = useValidation(text, admin);
  const [action, run] = useAction();
  const parsed = parsePolicyText(text);

  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (!parsed.ok) return;
    const target = props.item?.name ?? name.trim();
    await run(async () => {
      const answer = await api.send<{ name: string; created: boolean }>('PUT', `/v1/admin/policies/${seg(target)}`, { policy: parsed.value, ...(reason.trim() === '' ? {} : { reason: reason.trim() }) });
      if (props.item === undefined) navigate(`/console/policies/${seg(answer.name)}`, { replace: true });
      return answer.created ? `Created policy ${answer.name}.` : `Saved policy ${answer.name}. Live connections are judged by it from now on.`;
    });
  };
  const remove = (item: PolicyItem, why: string): Promise<boolean> =>
    run(async () => {
      await api.send('DELETE', `/v1/admin/policies/${seg(item.name)}`, why === '' ? undefined : { reason: why });
      navigate('/console/policies');
      return 'Deleted.';
    });

  return (
    <>
      <p>
        <Link href="/console/policies">← All policies</Link>
      </p>
      <h1>{props.item === undefined ? 'New policy' : `Policy ${props.item.name}`}</h1>
      {props.item === undefined ? null : (
        <p class="muted">
          Source: {props.item.source}. Used by: {props.item.usedBy.length === 0 ? 'no app' : props.item.usedBy.join(', ')}.
        </p>
      )}
      <form onSubmit={save} class="card" data-testid="policy-form">
        {props.item === undefined ? (
          <div class="field">
            <label for={nameId}>Policy name</label>
            <input id={nameId} type="text" value={name} required maxLength={63} pattern="[a-z0-9][a-z0-9\-]*" aria-describedby={`${nameId}-hint`} onInput={(e) => setName(e.currentTarget.value)} />
            <span class="hint" id={`${nameId}-hint`}>
              Lowercase letters, digits and dashes.
            </span>
          </div>
        ) : null}
        <div class="field">
          <label for={editorId}>Policy (JSON)</label>
          <textarea
            id={editorId}
            class="code"
            rows={18}
            spellcheck={false}
            value={text}
            readOnly={!admin}
            onInput={(e) => setText(e.currentTarget.value)}
            aria-describedby={`${editorId}-hint`}
            data-testid="policy-editor"
          />
          <span class="hint" id={`${editorId}-hint`}>
            {admin ? 'Checked by the proxy as you type. Durations as strings such as "5m".' : 'Read only: only administrators change policies.'}
          </span>
        </div>
        {admin ? (
          <>
            <ValidationView validation={validation} />
            <div class="field">
              <label for={reasonId}>Reason (optional, recorded in the audit trail)</label>
              <input id={reasonId} type="text" value={reason} maxLength={500} onInput={(e) => setReason(e.currentTarget.value)} />
            </div>
            <div class="buttons">
              <button type="submit" class="primary" disabled={!parsed.ok || action.state === 'busy' || validation.state === 'invalid'}>
                Save policy
              </button>
            </div>
            <ActionStatus action={action} />
          </>
        ) : null}
      </form>
      {admin && item !== undefined && item.usedBy.length === 0 ? (
        <ConfirmAction label="Delete policy" confirmLabel={`Delete ${item.name}`} question={`Delete policy ${item.name}?`} reason="optional" onConfirm={(why) => remove(item, why)} />
      ) : null}
      {admin ? <SimulatePanel candidate={parsed.ok ? parsed.value : undefined} defaultApp={props.item?.usedBy[0]} /> : null}
    </>
  );
}
