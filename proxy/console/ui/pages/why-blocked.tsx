/**
 * "Why is this person blocked?" for the helpdesk: their devices with the failing checks and the
 * apps each cannot reach, then their recent denials, each with the remediation to read out.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { seg } from '../api.ts';
import { AllowedMark, DecisionList, Empty, Link, Loaded, ReasonList, StatusMark, TellThem, TextField } from '../components.tsx';
import { checkLabel, formatTime } from '../format.ts';
import { navigate, queryParam, useApp, useLoad } from '../state.ts';
import type { Decision, Device, DeviceDetail, Page } from '../types.ts';

/** At most this many devices are opened in detail (the newest); the rest are listed with a link. */
const DEVICES_IN_DETAIL = 5;

export function WhyBlockedPage(): JSX.Element {
  const user = queryParam('user');
  const [input, setInput] = useState(user);
  const lookUp = (event: Event): void => {
    event.preventDefault();
    const value = input.trim();
    navigate(value === '' ? '/console/why-blocked' : `/console/why-blocked?user=${encodeURIComponent(value)}`);
  };
  return (
    <>
      <h1>Why blocked?</h1>
      <p class="lede">Find out why someone cannot reach an app, and what to tell them.</p>
      <form class="search card" onSubmit={lookUp} role="search" aria-label="Why blocked">
        <TextField label="User" value={input} onInput={setInput} required placeholder="alice@example.com" hint="Their user name as they sign in" />
        <div class="buttons">
          <button type="submit" class="primary">
            Look up
          </button>
        </div>
      </form>
      {user === '' ? null : <UserReport key={user} user={user} />}
    </>
  );
}

function UserReport(props: { user: string }): JSX.Element {
  const { api } = useApp();
  const [devices] = useLoad(async () => {
    const page = await api.get<Page<Device>>('/v1/helpdesk/devices', { user: props.user, limit: 50 });
    const details = await Promise.all(page.items.slice(0, DEVICES_IN_DETAIL).map((d) => api.get<DeviceDetail>(`/v1/helpdesk/devices/${seg(d.id)}`)));
    return { devices: page.items, details };
  }, [props.user]);
  const [decisions] = useLoad(() => api.get<Page<Decision>>('/v1/helpdesk/decisions', { user: props.user, limit: 20 }), [props.user]);
  return (
    <div data-testid="why-blocked-report">
      <section aria-labelledby="wb-devices">
        <h2 id="wb-devices">Devices of {props.user}</h2>
        <Loaded load={devices} what="their devices">
          {({ devices: all, details }) =>
            all.length === 0 ? (
              <Empty>{props.user} has no enrolled device. They need to install the Zerogate agent and sign in with `zerogate login`.</Empty>
            ) : (
              <>
                {details.map((d) => (
                  <DeviceSummary key={d.device.id} detail={d} />
                ))}
                {all.length > details.length ? (
                  <p class="muted">
                    {all.length - details.length} older device(s) not shown: <Link href={`/console/devices?user=${encodeURIComponent(props.user)}`}>see all devices</Link>.
                  </p>
                ) : null}
              </>
            )
          }
        </Loaded>
      </section>
      <section aria-labelledby="wb-denials">
        <h2 id="wb-denials">Recent denials</h2>
        <Loaded load={decisions} what="their recent denials">
          {(page) => <DecisionList decisions={page.items} />}
        </Loaded>
      </section>
    </div>
  );
}

function DeviceSummary(props: { detail: DeviceDetail }): JSX.Element {
  const d = props.detail;
  const failing = (d.posture?.checks ?? []).filter((c) => c.status !== 'pass');
  const denied = d.verdicts.filter((v) => !v.allowed);
  return (
    <article class="card device-summary" data-device={d.device.id} aria-labelledby={`wb-${d.device.id}`}>
      <h3 id={`wb-${d.device.id}`}>
        <Link href={`/console/devices/${seg(d.device.id)}`}>{d.device.hostname}</Link>{' '}
        <span class={`tag ${d.device.status === 'revoked' ? 'bad' : 'good'}`}>{d.device.status}</span>
      </h3>
      <p class="muted">
        Last seen {formatTime(d.device.lastSeenAt)}. {d.session === undefined ? 'Not signed in.' : `Signed in until ${formatTime(d.session.expiresAt)}.`}
      </p>
      {d.posture === undefined ? (
        <p>No posture report from this device yet.</p>
      ) : failing.length === 0 ? (
        <p>
          <span class="status status-pass">
            <span aria-hidden="true">✓</span> every posture check passes
          </span>
        </p>
      ) : (
        <ul class="failing-checks" aria-label="Checks that do not pass">
          {failing.map((c) => (
            <li key={c.check} data-check={c.check} data-status={c.status}>
              <StatusMark status={c.status} /> <strong>{checkLabel(c.check)}</strong>
              {c.detail === undefined ? '' : `: ${c.detail}`}
            </li>
          ))}
        </ul>
      )}
      {denied.length === 0 ? (
        <p>Every app is reachable from this device now.</p>
      ) : (
        <ul class="blocked-apps">
          {denied.map((v) => (
            <li key={v.app} data-app={v.app}>
              <strong>{v.name ?? v.app}</strong> <AllowedMark allowed={false} />
              <ReasonList reasons={v.reasons} />
              <TellThem remediation={v.remediation} />
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}
