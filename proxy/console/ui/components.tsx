/** Small building blocks shared by the pages: states, errors, links, checklists and verdicts. */
import type { ComponentChildren, JSX } from 'preact';
import { useId, useState } from 'preact/hooks';
import { ApiError } from './api.ts';
import { checkLabel, formatTime, statusText, unique } from './format.ts';
import { navigate, type ActionState, type Load } from './state.ts';
import type { Check, Decision, Verdict } from './types.ts';
import type { CheckStatus } from '../../../shared/posture/report.ts';

/** An in-app link: a real <a href> (open in new tab works) that navigates without a reload. */
export function Link(props: { href: string; children: ComponentChildren; class?: string; current?: boolean }): JSX.Element {
  const onClick = (event: MouseEvent): void => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(props.href);
  };
  return (
    <a href={props.href} class={props.class} onClick={onClick} aria-current={props.current === true ? 'page' : undefined}>
      {props.children}
    </a>
  );
}

export function Loading(props: { what?: string }): JSX.Element {
  return (
    <p class="loading" role="status" data-testid="loading">
      Loading{props.what === undefined ? '' : ` ${props.what}`}…
    </p>
  );
}

export function Empty(props: { children: ComponentChildren }): JSX.Element {
  return (
    <p class="empty" data-testid="empty">
      {props.children}
    </p>
  );
}

/** An error as a person can read it: the message, then the stable code to quote to support. */
export function ErrorMessage(props: { error: unknown; title?: string }): JSX.Element {
  const { error } = props;
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof ApiError ? error.code : undefined;
  const reasons = error instanceof ApiError ? error.reasons : [];
  return (
    <div class="error" role="alert" data-testid="error">
      <strong>{props.title ?? 'Something went wrong'}:</strong> {message}
      {code === undefined ? null : (
        <>
          {' '}
          <code class="error-code" data-testid="error-code">
            {code}
          </code>
        </>
      )}
      {reasons.length > 0 ? <ReasonList reasons={reasons} /> : null}
    </div>
  );
}

/** Renders a Load: loading, error, or the data through `children`. */
export function Loaded<T>(props: { load: Load<T>; what?: string; children: (data: T) => ComponentChildren }): JSX.Element {
  if (props.load.state === 'loading') return <Loading what={props.what} />;
  if (props.load.state === 'error') return <ErrorMessage error={props.load.error} title={`Could not load ${props.what ?? 'this page'}`} />;
  return <>{props.children(props.load.data)}</>;
}

/** Busy, failure and success notices of a form's action. */
export function ActionStatus(props: { action: ActionState }): JSX.Element | null {
  const { action } = props;
  if (action.state === 'busy') return <p class="loading" role="status">Working…</p>;
  if (action.state === 'error') return <ErrorMessage error={action.error} title="That did not work" />;
  if (action.state === 'done')
    return (
      <p class="notice" role="status" data-testid="notice">
        {action.notice}
      </p>
    );
  return null;
}

/** The few input attributes the console's forms use. */
interface InputProps {
  required?: boolean;
  maxLength?: number;
  pattern?: string;
  placeholder?: string;
  autoComplete?: string;
}

/** A labelled text input (every input has a label: WCAG 1.3.1, 3.3.2). */
export function TextField(props: { label: string; value: string; onInput: (value: string) => void; hint?: string } & InputProps): JSX.Element {
  const { label, value, onInput, hint, ...rest } = props;
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} type="text" value={value} onInput={(e) => onInput(e.currentTarget.value)} aria-describedby={hint === undefined ? undefined : `${id}-hint`} {...rest} />
      {hint === undefined ? null : (
        <span class="hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
    </div>
  );
}

export function SelectField(props: { label: string; value: string; onChange: (value: string) => void; options: readonly { value: string; label: string }[]; name?: string }): JSX.Element {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select id={id} name={props.name} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function StatusMark(props: { status: CheckStatus }): JSX.Element {
  const { symbol, text } = statusText(props.status);
  return (
    <span class={`status status-${props.status}`} data-status={props.status}>
      <span aria-hidden="true" class="status-symbol">
        {symbol}
      </span>{' '}
      {text}
    </span>
  );
}

export function AllowedMark(props: { allowed: boolean; reportOnly?: boolean }): JSX.Element {
  return (
    <span class={`status ${props.allowed ? 'status-pass' : 'status-fail'}`} data-allowed={String(props.allowed)}>
      <span aria-hidden="true" class="status-symbol">
        {props.allowed ? '✓' : '✗'}
      </span>{' '}
      {props.allowed ? (props.reportOnly === true ? 'allowed (report-only policy would deny)' : 'allowed') : 'denied'}
    </span>
  );
}

export function ReasonList(props: { reasons: readonly string[] }): JSX.Element | null {
  if (props.reasons.length === 0) return null;
  return (
    <ul class="reasons" aria-label="Reasons">
      {props.reasons.map((r) => (
        <li key={r}>
          <code>{r}</code>
        </li>
      ))}
    </ul>
  );
}

/** The remediation texts, as a helpdesk person reads them out. */
export function TellThem(props: { remediation: readonly string[] }): JSX.Element | null {
  const texts = unique(props.remediation);
  if (texts.length === 0) return null;
  return (
    <div class="tell-them" data-testid="remediation">
      <strong>Tell them:</strong>
      <ul>
        {texts.map((t) => (
          <li key={t}>{t}</li>
        ))}
      </ul>
    </div>
  );
}

/** A device's posture checklist: each check with its state in words and a symbol, and the agent's detail. */
export function Checklist(props: { checks: readonly Check[]; receivedAt?: string }): JSX.Element {
  return (
    <div class="table-wrap">
      <table class="checklist" data-testid="checklist">
        <caption>Posture checks{props.receivedAt === undefined ? '' : `, reported ${formatTime(props.receivedAt)}`}</caption>
        <thead>
          <tr>
            <th scope="col">Check</th>
            <th scope="col">State</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {props.checks.map((c) => (
            <tr key={c.check} data-check={c.check} data-status={c.status}>
              <th scope="row">{checkLabel(c.check)}</th>
              <td>
                <StatusMark status={c.status} />
              </td>
              <td>{c.detail ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Each published app: can this device reach it now, and if not, why and what to do. */
export function Verdicts(props: { verdicts: readonly Verdict[]; remediationLabel?: string }): JSX.Element {
  if (props.verdicts.length === 0) return <Empty>No apps are published.</Empty>;
  return (
    <div class="table-wrap">
      <table class="verdicts" data-testid="verdicts">
        <caption>Access to each app now</caption>
        <thead>
          <tr>
            <th scope="col">App</th>
            <th scope="col">Access</th>
            <th scope="col">Reasons</th>
            <th scope="col">{props.remediationLabel ?? 'What to do'}</th>
          </tr>
        </thead>
        <tbody>
          {props.verdicts.map((v) => (
            <tr key={v.app} data-app={v.app} data-allowed={String(v.allowed)}>
              <th scope="row">
                {v.name ?? v.app} {v.name !== undefined && v.name !== v.app ? <span class="muted">({v.app})</span> : null}
              </th>
              <td>
                <AllowedMark allowed={v.allowed} reportOnly={v.reportOnly} />
              </td>
              <td>{v.reasons.length === 0 ? '—' : <ReasonList reasons={v.reasons} />}</td>
              <td>{v.remediation.length === 0 ? '—' : unique(v.remediation).map((t) => <p key={t}>{t}</p>)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Recent denials and resets. */
export function DecisionList(props: { decisions: readonly Decision[]; showUser?: boolean }): JSX.Element {
  if (props.decisions.length === 0) return <Empty>No recent denials.</Empty>;
  return (
    <ol class="decisions" data-testid="decisions">
      {props.decisions.map((d) => (
        <li key={d.id} class="decision" data-decision-id={d.id}>
          <p>
            <strong>{d.type === 'stream.reset' ? 'Connection cut' : 'Denied'}</strong>
            {d.app === undefined ? '' : ` access to ${d.app}`}
            {props.showUser === true && d.user !== undefined ? ` for ${d.user}` : ''}
            {d.device === undefined ? null : (
              <>
                {' on '}
                <Link href={`/console/devices/${encodeURIComponent(d.device)}`}>{d.device}</Link>
              </>
            )}{' '}
            <span class="muted">
              at {formatTime(d.time)}
              {d.code === undefined ? '' : ` (${d.code}${d.trigger === undefined ? '' : `, ${d.trigger}`})`}
            </span>
          </p>
          <ReasonList reasons={d.reasons} />
          <TellThem remediation={d.remediation} />
        </li>
      ))}
    </ol>
  );
}

/**
 * A destructive action in two steps: the button opens a panel with an optional or required
 * reason and a confirm button (no window.confirm: it blocks, and cannot be labelled).
 */
export function ConfirmAction(props: {
  label: string;
  confirmLabel: string;
  question: string;
  reason: 'required' | 'optional';
  onConfirm: (reason: string) => Promise<boolean>;
  danger?: boolean;
}): JSX.Element {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  if (!open)
    return (
      <button type="button" class={props.danger === false ? '' : 'danger'} onClick={() => setOpen(true)}>
        {props.label}
      </button>
    );
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (await props.onConfirm(reason.trim())) {
      setOpen(false);
      setReason('');
    }
  };
  return (
    <form class="confirm" onSubmit={submit} data-testid="confirm">
      <p>{props.question}</p>
      <TextField
        label={props.reason === 'required' ? 'Reason (recorded in the audit trail)' : 'Reason (optional, recorded in the audit trail)'}
        value={reason}
        onInput={setReason}
        required={props.reason === 'required'}
        maxLength={500}
      />
      <div class="buttons">
        <button type="submit" class="danger" disabled={props.reason === 'required' && reason.trim() === ''}>
          {props.confirmLabel}
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** A "Load more" button for `{items, next}` lists. */
export function LoadMore(props: { next: string | number | undefined; busy: boolean; onMore: () => void }): JSX.Element | null {
  if (props.next === undefined) return null;
  return (
    <button type="button" onClick={props.onMore} disabled={props.busy}>
      {props.busy ? 'Loading…' : 'Load more'}
    </button>
  );
}
