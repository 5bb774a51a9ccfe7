/** Device search (GET /v1/helpdesk/devices): by user (exact) or hostname (substring), newest first. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { seg } from '../api.ts';
import { Empty, ErrorMessage, Link, LoadMore, Loaded, TextField } from '../components.tsx';
import { formatTime } from '../format.ts';
import { navigate, queryParam, useApp, usePaged } from '../state.ts';
import type { Device, Page } from '../types.ts';

export function DevicesPage(): JSX.Element {
  const { api } = useApp();
  const user = queryParam('user');
  const hostname = queryParam('hostname');
  const [userInput, setUserInput] = useState(user);
  const [hostInput, setHostInput] = useState(hostname);
  const devices = usePaged((before) => api.get<Page<Device>>('/v1/helpdesk/devices', { user, hostname, before, limit: 50 }), [user, hostname]);

  const search = (event: Event): void => {
    event.preventDefault();
    const params = new URLSearchParams();
    if (userInput.trim() !== '') params.set('user', userInput.trim());
    if (hostInput.trim() !== '') params.set('hostname', hostInput.trim());
    const query = params.toString();
    navigate(`/console/devices${query === '' ? '' : `?${query}`}`);
  };

  return (
    <>
      <h1>Devices</h1>
      <form class="search card" onSubmit={search} role="search" aria-label="Devices">
        <div class="grid">
          <TextField label="User" value={userInput} onInput={setUserInput} placeholder="alice@example.com" hint="Exact user name" />
          <TextField label="Hostname" value={hostInput} onInput={setHostInput} hint="Part of the name is enough" />
        </div>
        <div class="buttons">
          <button type="submit" class="primary">
            Search
          </button>
        </div>
      </form>
      <Loaded load={devices.load} what="the devices">
        {(items) =>
          items.length === 0 ? (
            <Empty>{user === '' && hostname === '' ? 'No devices are enrolled yet.' : 'No device matches.'}</Empty>
          ) : (
            <>
              <DeviceTable devices={items} />
              {devices.moreError === undefined ? null : <ErrorMessage error={devices.moreError} title="Could not load more" />}
              <LoadMore next={devices.next} busy={devices.busy} onMore={devices.more} />
            </>
          )
        }
      </Loaded>
    </>
  );
}

export function DeviceTable(props: { devices: readonly Device[] }): JSX.Element {
  return (
    <div class="table-wrap">
      <table data-testid="devices-table">
        <caption class="visually-hidden">Devices</caption>
        <thead>
          <tr>
            <th scope="col">Hostname</th>
            <th scope="col">User</th>
            <th scope="col">Status</th>
            <th scope="col">Last seen</th>
            <th scope="col">Enrolled</th>
          </tr>
        </thead>
        <tbody>
          {props.devices.map((d) => (
            <tr key={d.id} data-device={d.id}>
              <th scope="row">
                <Link href={`/console/devices/${seg(d.id)}`}>{d.hostname}</Link>
                <div class="muted small">
                  <code>{d.id}</code>
                </div>
              </th>
              <td>{d.user}</td>
              <td>
                <span class={`tag ${d.status === 'revoked' ? 'bad' : 'good'}`}>{d.status}</span>
              </td>
              <td>{formatTime(d.lastSeenAt)}</td>
              <td>{formatTime(d.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
