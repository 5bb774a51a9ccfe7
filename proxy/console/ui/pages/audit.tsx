/** The audit trail (GET /v1/admin/audit), newest first, filtered by type, user and device, page by page. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { Empty, ErrorMessage, LoadMore, Loaded, ReasonList, TextField } from '../components.tsx';
import { formatTime } from '../format.ts';
import { navigate, queryParam, useApp, usePaged } from '../state.ts';
import type { AuditEvent, Page } from '../types.ts';

const FILTERS = ['type', 'user', 'device'] as const;

export function AuditPage(): JSX.Element {
  const { api } = useApp();
  const type = queryParam('type');
  const user = queryParam('user');
  const device = queryParam('device');
  const [inputs, setInputs] = useState({ type, user, device });
  const events = usePaged((before) => api.get<Page<AuditEvent>>('/v1/admin/audit', { type, user, device, before, limit: 50 }), [type, user, device]);
  const filter = (event: Event): void => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const f of FILTERS) if (inputs[f].trim() !== '') params.set(f, inputs[f].trim());
    const query = params.toString();
    navigate(`/console/audit${query === '' ? '' : `?${query}`}`);
  };
  return (
    <>
      <h1>Audit</h1>
      <form class="search card" onSubmit={filter} role="search" aria-label="Audit events">
        <div class="grid">
          <TextField label="Type" value={inputs.type} onInput={(v) => setInputs({ ...inputs, type: v })} placeholder="admin.change" hint="e.g. stream.deny, device.revoke" />
          <TextField label="User" value={inputs.user} onInput={(v) => setInputs({ ...inputs, user: v })} />
          <TextField label="Device" value={inputs.device} onInput={(v) => setInputs({ ...inputs, device: v })} />
        </div>
        <div class="buttons">
          <button type="submit" class="primary">
            Filter
          </button>
        </div>
      </form>
      <Loaded load={events.load} what="the audit trail">
        {(items) =>
          items.length === 0 ? (
            <Empty>No audit events match.</Empty>
          ) : (
            <>
              <div class="table-wrap">
                <table data-testid="audit-table">
                  <caption class="visually-hidden">Audit events, newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">Time</th>
                      <th scope="col">Type</th>
                      <th scope="col">User</th>
                      <th scope="col">By</th>
                      <th scope="col">Device</th>
                      <th scope="col">App</th>
                      <th scope="col">Decision</th>
                      <th scope="col">Details</th>
                    </tr>
                  </thead>
                  <tbody>
                    {items.map((e) => (
                      <tr key={e.id} data-event-id={e.id}>
                        <th scope="row">{formatTime(e.time)}</th>
                        <td>
                          <code>{e.type}</code>
                        </td>
                        <td>{e.user ?? '—'}</td>
                        <td>{byOf(e.detail) ?? '—'}</td>
                        <td>{e.device === undefined ? '—' : <code>{e.device}</code>}</td>
                        <td>{e.app ?? '—'}</td>
                        <td>{e.decision ?? '—'}</td>
                        <td>
                          {e.reasons === undefined ? null : <ReasonList reasons={e.reasons} />}
                          {e.detail === undefined ? null : <code class="detail">{JSON.stringify(e.detail)}</code>}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {events.moreError === undefined ? null : <ErrorMessage error={events.moreError} title="Could not load more" />}
              <LoadMore next={events.next} busy={events.busy} onMore={events.more} />
            </>
          )
        }
      </Loaded>
    </>
  );
}

/** Who made a change (`detail.by` of admin changes and revocations: `user:<id>` or `api-token:<name>`). */
function byOf(detail: unknown): string | undefined {
  if (detail === null || typeof detail !== 'object') return undefined;
  const by = (detail as { by?: unknown }).by;
  return typeof by === 'string' ? by : undefined;
}
