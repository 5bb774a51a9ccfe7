/** An employee's own devices (GET /v1/me/devices): what each check says, what to fix, and which apps work. */
import type { JSX } from 'preact';
import { Checklist, Empty, ErrorMessage, LoadMore, Loaded, Verdicts } from '../components.tsx';
import { formatTime, unique } from '../format.ts';
import { useApp, usePaged } from '../state.ts';
import type { MyDevice, Page } from '../types.ts';

export function MyDevicesPage(): JSX.Element {
  const { api } = useApp();
  const devices = usePaged((before) => api.get<Page<MyDevice>>('/v1/me/devices', { before }), []);
  return (
    <>
      <h1>My devices</h1>
      <p class="lede">Your devices with Zerogate, whether each one meets the company's requirements, and what to fix when it does not.</p>
      <Loaded load={devices.load} what="your devices">
        {(items) =>
          items.length === 0 ? (
            <Empty>You have no device with Zerogate yet. Install the Zerogate agent and sign in with `zerogate login`.</Empty>
          ) : (
            <>
              {items.map((d) => (
                <MyDeviceCard key={d.device.id} item={d} />
              ))}
              {devices.moreError === undefined ? null : <ErrorMessage error={devices.moreError} title="Could not load more" />}
              <LoadMore next={devices.next} busy={devices.busy} onMore={devices.more} />
            </>
          )
        }
      </Loaded>
    </>
  );
}

function MyDeviceCard(props: { item: MyDevice }): JSX.Element {
  const { device, posture, verdicts } = props.item;
  const toFix = unique(verdicts.filter((v) => !v.allowed).flatMap((v) => v.remediation));
  const titleId = `my-${device.id}`;
  return (
    <article class="card" data-device={device.id} aria-labelledby={titleId}>
      <h2 id={titleId}>
        {device.hostname} <span class={`tag ${device.status === 'revoked' ? 'bad' : 'good'}`}>{device.status}</span>
      </h2>
      <p class="muted">
        Enrolled {formatTime(device.createdAt)}; last seen {formatTime(device.lastSeenAt)}.
      </p>
      {toFix.length === 0 ? (
        <p class="status status-pass">
          <span aria-hidden="true">✓</span> Nothing to fix: every app is reachable from this device.
        </p>
      ) : (
        <div class="to-fix" data-testid="to-fix">
          <h3>What to fix</h3>
          <ul>
            {toFix.map((t) => (
              <li key={t}>{t}</li>
            ))}
          </ul>
        </div>
      )}
      {posture === undefined ? <Empty>No report from this device yet: open the Zerogate agent on it.</Empty> : <Checklist checks={posture.checks} receivedAt={posture.receivedAt} />}
      <Verdicts verdicts={verdicts} />
    </article>
  );
}
