/**
 * An HTTP app's API inventory (shadow-API discovery, issue 8): the endpoints the proxy actually
 * saw called (method and path template), when, how often, by how many people and with which
 * answers, with endpoints missing from the app's OpenAPI document (`undeclared`) and declared
 * ones never called (`unused`) flagged; and the observed API as an OpenAPI document to download.
 */
import type { JSX } from 'preact';
import { seg } from '../api.ts';
import { Empty, Link, Loaded } from '../components.tsx';
import { formatTime } from '../format.ts';
import { useApp, useLoad } from '../state.ts';
import type { Inventory, InventoryEndpoint } from '../types.ts';

const FLAG_TEXT: Record<NonNullable<InventoryEndpoint['flag']>, { label: string; tone: string; help: string }> = {
  undeclared: { label: 'undeclared', tone: 'bad', help: 'called, but not in the app\'s OpenAPI document (shadow API)' },
  unused: { label: 'unused', tone: 'warn', help: 'in the OpenAPI document, never called' },
};

export function InventoryPage(props: { app: string }): JSX.Element {
  const { api } = useApp();
  const base = `/v1/helpdesk/apps/${seg(props.app)}/endpoints`;
  const [inventory] = useLoad(() => api.get<Inventory>(base), [base]);
  return (
    <>
      <p class="small">
        <Link href="/console/apps">Apps</Link> › {props.app}
      </p>
      <h1>API inventory of {props.app}</h1>
      <p class="lede">
        The endpoints people and devices actually called through Zerogate, as path templates. Endpoints missing from the app's OpenAPI document are flagged{' '}
        <strong>undeclared</strong>; declared endpoints nobody called are flagged <strong>unused</strong>.
      </p>
      <p>
        <a href={`${base}/openapi`} download={`${props.app}-observed-openapi.json`} data-testid="download-openapi">
          Download OpenAPI
        </a>{' '}
        <span class="muted small">(what was observed, as an OpenAPI 3.1 document)</span>
      </p>
      <Loaded load={inventory} what="the API inventory">
        {(data) => (
          <>
            {data.declared ? null : (
              <p class="muted" data-testid="no-openapi">
                This app has no OpenAPI document: no endpoint can be flagged undeclared or unused.
              </p>
            )}
            {data.items.length === 0 ? <Empty>No endpoint of {props.app} has been called yet.</Empty> : <EndpointTable items={data.items} />}
          </>
        )}
      </Loaded>
    </>
  );
}

function EndpointTable(props: { items: readonly InventoryEndpoint[] }): JSX.Element {
  return (
    <div class="table-wrap">
      <table data-testid="inventory-table">
        <caption class="visually-hidden">Endpoints called, with flags</caption>
        <thead>
          <tr>
            <th scope="col">Method</th>
            <th scope="col">Path template</th>
            <th scope="col">Flag</th>
            <th scope="col">Requests</th>
            <th scope="col">Callers</th>
            <th scope="col">Statuses</th>
            <th scope="col">First seen</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {props.items.map((e) => (
            <tr key={`${e.method} ${e.path}`} data-endpoint={`${e.method} ${e.path}`}>
              <td>
                <code>{e.method}</code>
              </td>
              <th scope="row">
                <code>{e.path}</code>
              </th>
              <td data-flag={e.flag ?? 'none'}>
                {e.flag === undefined ? (
                  <span class="muted">{e.declared ? 'declared' : '-'}</span>
                ) : (
                  <span class={`tag ${FLAG_TEXT[e.flag].tone}`} title={FLAG_TEXT[e.flag].help}>
                    {FLAG_TEXT[e.flag].label}
                    <span class="visually-hidden">: {FLAG_TEXT[e.flag].help}</span>
                  </span>
                )}
              </td>
              <td>{e.requests}</td>
              <td>{e.callers}</td>
              <td>
                <Statuses statuses={e.statuses} />
              </td>
              <td>{e.firstSeen === undefined ? <span class="muted">never</span> : formatTime(e.firstSeen)}</td>
              <td>{e.lastSeen === undefined ? <span class="muted">never</span> : formatTime(e.lastSeen)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Statuses(props: { statuses: Record<string, number> }): JSX.Element {
  const entries = Object.entries(props.statuses).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <span class="muted">-</span>;
  return (
    <span data-testid="statuses">
      {entries.map(([status, count], i) => (
        <span key={status} class={`tag ${status.startsWith('2') || status.startsWith('3') ? 'good' : 'bad'}`}>
          {status}: {count}
          {i < entries.length - 1 ? <span class="visually-hidden">, </span> : null}
        </span>
      ))}
    </span>
  );
}
