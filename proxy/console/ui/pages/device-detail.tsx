/**
 * One device as the helpdesk sees it (GET /v1/helpdesk/devices/:id): record, live session,
 * posture checklist and history, per-app verdicts with remediation, recent decisions. Admins
 * can revoke it (POST /v1/admin/devices/:id/revoke).
 */
import type { JSX } from 'preact';
import { seg } from '../api.ts';
import { ActionStatus, Checklist, ConfirmAction, DecisionList, Empty, Link, Loaded, StatusMark, Verdicts } from '../components.tsx';
import { checkLabel, formatTime } from '../format.ts';
import { useAction, useApp, useLoad } from '../state.ts';
import type { DeviceDetail, PostureSummary } from '../types.ts';
import { POSTURE_CHECKS } from '../../../../shared/posture/report.ts';

export function DeviceDetailPage(props: { id: string }): JSX.Element {
  const { api, session } = useApp();
  const [detail, reload] = useLoad(() => api.get<DeviceDetail>(`/v1/helpdesk/devices/${seg(props.id)}`), [props.id]);
  const [action, run] = useAction();
  const revoke = (reason: string): Promise<boolean> =>
    run(async () => {
      await api.send('POST', `/v1/admin/devices/${seg(props.id)}/revoke`, { reason });
      reload();
      return 'Device revoked. Its tunnels are cut within about a second; it must be enrolled again to be used.';
    });
  return (
    <>
      <p>
        <Link href="/console/devices">← Devices</Link>
      </p>
      <Loaded load={detail} what="the device">
        {(d) => (
          <>
            <h1>
              {d.device.hostname} <span class={`tag ${d.device.status === 'revoked' ? 'bad' : 'good'}`}>{d.device.status}</span>
            </h1>
            <section aria-labelledby="record-title" class="card">
              <h2 id="record-title">Record</h2>
              <dl class="facts">
                <dt>Device id</dt>
                <dd>
                  <code>{d.device.id}</code>
                </dd>
                <dt>User</dt>
                <dd>{d.device.user}</dd>
                <dt>Enrolled</dt>
                <dd>{formatTime(d.device.createdAt)}</dd>
                <dt>Last seen</dt>
                <dd>{formatTime(d.device.lastSeenAt)}</dd>
                {d.device.revokedAt === undefined ? null : (
                  <>
                    <dt>Revoked</dt>
                    <dd>{formatTime(d.device.revokedAt)}</dd>
                  </>
                )}
                <dt>Certificate valid until</dt>
                <dd>{formatTime(d.device.certNotAfter)}</dd>
                {d.device.certSerial === undefined ? null : (
                  <>
                    <dt>Certificate serial</dt>
                    <dd>
                      <code>{d.device.certSerial}</code>
                    </dd>
                  </>
                )}
              </dl>
              {session.role === 'admin' && d.device.status === 'active' ? (
                <ConfirmAction
                  label="Revoke device"
                  confirmLabel="Confirm revoke device"
                  question={`Revoke ${d.device.hostname}? Its certificates are refused and its live connections cut. This cannot be undone.`}
                  reason="required"
                  onConfirm={revoke}
                />
              ) : null}
              <ActionStatus action={action} />
            </section>
            <section aria-labelledby="session-title">
              <h2 id="session-title">Session</h2>
              {d.session === undefined ? (
                <Empty>No live session: the user is not signed in on this device.</Empty>
              ) : (
                <dl class="facts" data-testid="session">
                  <dt>User</dt>
                  <dd>{d.session.user}</dd>
                  <dt>Signed in with</dt>
                  <dd>
                    {d.session.method === 'idp' ? 'identity provider' : 'enrolment token'}
                    {d.session.amr.length > 0 ? ` (${d.session.amr.join(', ')})` : ''}
                  </dd>
                  <dt>Groups</dt>
                  <dd>{d.session.groups.length === 0 ? '—' : d.session.groups.join(', ')}</dd>
                  <dt>Signed in at</dt>
                  <dd>{formatTime(d.session.authTime)}</dd>
                  <dt>Session ends</dt>
                  <dd>{formatTime(d.session.expiresAt)}</dd>
                </dl>
              )}
            </section>
            <section aria-labelledby="posture-title">
              <h2 id="posture-title">Posture</h2>
              {d.posture === undefined ? (
                <Empty>No posture report yet: the agent has not reported this device's state.</Empty>
              ) : (
                <>
                  <p class="muted">
                    {[d.posture.platform, d.posture.osVersion, d.posture.agentVersion === undefined ? undefined : `agent ${d.posture.agentVersion}`].filter(Boolean).join(' · ')}
                  </p>
                  <Checklist checks={d.posture.checks} receivedAt={d.posture.receivedAt} />
                </>
              )}
            </section>
            <section aria-labelledby="verdicts-title">
              <h2 id="verdicts-title">Apps</h2>
              <Verdicts verdicts={d.verdicts} remediationLabel="Tell them" />
            </section>
            <section aria-labelledby="decisions-title">
              <h2 id="decisions-title">Recent denials</h2>
              <DecisionList decisions={d.decisions} />
            </section>
            <section aria-labelledby="history-title">
              <h2 id="history-title">Posture history</h2>
              <PostureHistory history={d.postureHistory} />
            </section>
          </>
        )}
      </Loaded>
    </>
  );
}

function PostureHistory(props: { history: readonly PostureSummary[] }): JSX.Element {
  if (props.history.length === 0) return <Empty>No posture reports yet.</Empty>;
  return (
    <div class="table-wrap">
      <table class="history" data-testid="posture-history">
        <caption class="visually-hidden">Posture reports, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Received</th>
            {POSTURE_CHECKS.map((c) => (
              <th scope="col" key={c}>
                {checkLabel(c)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.history.map((h) => (
            <tr key={h.receivedAt}>
              <th scope="row">{formatTime(h.receivedAt)}</th>
              {POSTURE_CHECKS.map((c) => (
                <td key={c}>
                  <StatusMark status={h.checks[c] ?? 'unknown'} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
