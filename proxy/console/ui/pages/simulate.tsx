/**
 * "Would this user on this device reach this app, and why not": POST /v1/admin/policies/simulate.
 * With a candidate policy (the editor's text) it judges that instead of the app's current one.
 */
import type { JSX } from 'preact';
import { useId, useState } from 'preact/hooks';
import { AllowedMark, ErrorMessage, ReasonList, SelectField, TellThem, TextField } from '../components.tsx';
import { splitList } from '../format.ts';
import { useApp, useLoad, type Load } from '../state.ts';
import type { App, SimulateResult } from '../types.ts';

export function SimulatePanel(props: { candidate?: Record<string, unknown> | undefined; defaultApp?: string | undefined }): JSX.Element {
  const { api } = useApp();
  const [apps] = useLoad(() => api.get<{ items: App[] }>('/v1/helpdesk/apps'), []);
  const [app, setApp] = useState(props.defaultApp ?? '');
  const [user, setUser] = useState('');
  const [groups, setGroups] = useState('');
  const [amr, setAmr] = useState('');
  const [device, setDevice] = useState('');
  const [useCandidate, setUseCandidate] = useState(true);
  const [result, setResult] = useState<Load<SimulateResult> | undefined>(undefined);
  const candidateId = useId();
  const appOptions = [{ value: '', label: 'Choose an app' }, ...(apps.state === 'ok' ? apps.data.items.map((a) => ({ value: a.id, label: `${a.name} (${a.id})` })) : [])];
  const withCandidate = props.candidate !== undefined && useCandidate;

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setResult({ state: 'loading' });
    try {
      const body = {
        app,
        user: user.trim(),
        ...(withCandidate ? { policy: props.candidate } : {}),
        groups: splitList(groups),
        amr: splitList(amr),
        ...(device.trim() === '' ? {} : { device: device.trim() }),
      };
      setResult({ state: 'ok', data: await api.send<SimulateResult>('POST', '/v1/admin/policies/simulate', body) });
    } catch (error) {
      setResult({ state: 'error', error });
    }
  };

  return (
    <section class="card" aria-labelledby="simulate-title" data-testid="simulate-panel">
      <h2 id="simulate-title">Simulate</h2>
      <p class="muted">Would this user, on this device, reach this app? Nothing is recorded and nobody is affected.</p>
      <form onSubmit={submit}>
        <div class="grid">
          <SelectField label="App" value={app} onChange={setApp} options={appOptions} />
          <TextField label="User" value={user} onInput={setUser} required placeholder="alice@example.com" />
          <TextField label="Groups" value={groups} onInput={setGroups} hint="Separated by commas" />
          <TextField label="Authentication methods (amr)" value={amr} onInput={setAmr} hint="e.g. pwd, otp" />
          <TextField label="Device id (optional)" value={device} onInput={setDevice} hint="Its latest posture report is used" />
        </div>
        {props.candidate === undefined ? null : (
          <div class="field checkbox">
            <input id={candidateId} type="checkbox" checked={useCandidate} onChange={(e) => setUseCandidate(e.currentTarget.checked)} />
            <label for={candidateId}>Judge the policy in the editor (not the app's current one)</label>
          </div>
        )}
        <div class="buttons">
          <button type="submit" class="primary" disabled={app === '' || user.trim() === '' || result?.state === 'loading'}>
            Simulate
          </button>
        </div>
      </form>
      {result === undefined ? null : result.state === 'loading' ? (
        <p role="status">Simulating…</p>
      ) : result.state === 'error' ? (
        <ErrorMessage error={result.error} title="Could not simulate" />
      ) : (
        <div class="result" data-testid="simulate-result" data-allowed={String(result.data.allowed)} role="status">
          <p>
            <AllowedMark allowed={result.data.allowed} reportOnly={result.data.wouldDeny} /> by policy <code>{result.data.policy}</code>
            {result.data.enforced ? '' : ' (report-only: it would not block)'}
          </p>
          <ReasonList reasons={result.data.reasons} />
          <TellThem remediation={result.data.remediation} />
        </div>
      )}
    </section>
  );
}
