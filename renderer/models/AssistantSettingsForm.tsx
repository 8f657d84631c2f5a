import { useEffect, useId, useState } from 'react';
import type { AssistantSettings, AssistantSettingsChange, AssistantSettingsView, RemoteDialect } from '../../app/completion/schemas';
import { DEFAULT_SERVE_PORT, type ServeApiSettings, type ServeApiStatus } from '../../app/completion/serveApi';
import { useApi } from '../app/context';

const INJECTION_LABEL: Record<AssistantSettings['injection'], string> = {
  off: 'Off',
  auto: 'Auto: heads chosen from this model\'s head profile',
};

const MODE_LABEL: Record<AssistantSettings['mode'], string> = {
  sparse: 'Sparse: documents cached as separate blocks (fastest with many documents)',
  prefix: 'Prefix: documents cached as one shared prefix',
  full: 'Full: the whole prompt computed every time (slowest, for comparison)',
};

/** A whole number in [min, max] from a text field, or null. */
function parseCount(text: string, min: number, max: number): number | null {
  const value = Number(text);
  return text.trim() !== '' && Number.isInteger(value) && value >= min && value <= max ? value : null;
}

/** The assistant's settings; each change is saved at once (numbers when they are valid). */
export function AssistantSettingsForm() {
  const api = useApi();
  const id = useId();
  const [settings, setSettings] = useState<AssistantSettingsView | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api.call('settings.get', {}).then(setSettings, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [api]);

  const update = async (change: AssistantSettingsChange) => {
    try {
      setSettings(await api.call('settings.update', change));
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  if (!settings) return error ? <div role="alert" className="alert error">{error}</div> : <p className="muted">Loading settings…</p>;

  return (
    <form className="assistant-settings" onSubmit={(e) => e.preventDefault()}>
      <label htmlFor={`${id}-mode`}>Mode</label>
      <select id={`${id}-mode`} value={settings.mode} onChange={(e) => void update({ mode: e.target.value as AssistantSettings['mode'] })}>
        {(Object.keys(MODE_LABEL) as AssistantSettings['mode'][]).map((mode) => (
          <option key={mode} value={mode}>
            {MODE_LABEL[mode]}
          </option>
        ))}
      </select>
      <CountField
        id={`${id}-boundary`}
        label="Boundary tokens"
        hint="Sparse mode: tokens recomputed at the start of each document block (0 to 256)."
        value={settings.boundary}
        min={0}
        max={256}
        onValid={(boundary) => void update({ boundary })}
      />
      <CountField
        id={`${id}-max`}
        label="Max tokens"
        hint="Longest suggestion, in tokens (1 to 256)."
        value={settings.maxTokens}
        min={1}
        max={256}
        onValid={(maxTokens) => void update({ maxTokens })}
      />
      <label className="assistant-settings-check">
        <input type="checkbox" checked={settings.gpu} onChange={(e) => void update({ gpu: e.target.checked })} />
        Use GPU
      </label>
      <label htmlFor={`${id}-injection`}>Attention injection</label>
      <select
        id={`${id}-injection`}
        value={settings.injection}
        aria-describedby={`${id}-injection-hint`}
        onChange={(e) => void update({ injection: e.target.value as AssistantSettings['injection'] })}
      >
        {(Object.keys(INJECTION_LABEL) as AssistantSettings['injection'][]).map((injection) => (
          <option key={injection} value={injection}>
            {INJECTION_LABEL[injection]}
          </option>
        ))}
      </select>
      <span id={`${id}-injection-hint`} className="muted">
        Local model: attention heads that follow a simple pattern (previous token, use → definition, …) get the exact pattern. Needs a head
        profile: run <code>steerway heads --model &lt;file.gguf&gt;</code>; without one nothing is injected.
      </span>
      <EngineFields key={JSON.stringify(settings.engine)} engine={settings.engine} onChange={(engine) => void update({ engine })} />
      <ServeApiFields serveApi={settings.serveApi} onChange={(serveApi) => void update({ serveApi })} />
      {error && <div role="alert" className="alert error">{error}</div>}
    </form>
  );
}

const ENGINE_LABEL: Record<AssistantSettingsView['engine']['kind'], string> = {
  local: 'This machine (the model chosen in Models)',
  'llama.cpp': 'A llama.cpp server (llama-server)',
  openai: 'An OpenAI-compatible server (vLLM, ...)',
};

/**
 * Where suggestions come from. A server's URL, token and model are used when **Use server** is pressed; the
 * token field is write-only: it shows only whether one is set, and an empty field keeps the saved one.
 */
function EngineFields({ engine, onChange }: { engine: AssistantSettingsView['engine']; onChange: (engine: NonNullable<AssistantSettingsChange['engine']>) => void }) {
  const id = useId();
  const saved = engine.kind === 'local' ? null : engine;
  const [kind, setKind] = useState<AssistantSettingsView['engine']['kind']>(engine.kind);
  const [url, setUrl] = useState(saved?.url ?? '');
  const [token, setToken] = useState('');
  const [model, setModel] = useState(saved?.model ?? '');
  const server = (dialect: RemoteDialect, tokenChange: string | null | undefined) =>
    onChange({ kind: dialect, url: url.trim(), model: model.trim() || null, ...(tokenChange === undefined ? {} : { token: tokenChange }) });

  return (
    <fieldset className="assistant-engine">
      <legend>Engine</legend>
      <label htmlFor={`${id}-kind`}>Suggestions from</label>
      <select
        id={`${id}-kind`}
        value={kind}
        onChange={(e) => {
          const next = e.target.value as AssistantSettingsView['engine']['kind'];
          setKind(next);
          if (next === 'local') onChange({ kind: 'local' });
        }}
      >
        {(Object.keys(ENGINE_LABEL) as AssistantSettingsView['engine']['kind'][]).map((k) => (
          <option key={k} value={k}>
            {ENGINE_LABEL[k]}
          </option>
        ))}
      </select>
      {kind !== 'local' && (
        <>
          <label htmlFor={`${id}-url`}>Server URL</label>
          <input id={`${id}-url`} type="url" placeholder="http://gpu-box:8080" value={url} onChange={(e) => setUrl(e.target.value)} />
          <label htmlFor={`${id}-token`}>Token</label>
          <input
            id={`${id}-token`}
            type="password"
            autoComplete="off"
            placeholder={saved?.tokenSet ? 'set (leave empty to keep it)' : 'none'}
            value={token}
            onChange={(e) => setToken(e.target.value)}
          />
          {kind === 'openai' && (
            <>
              <label htmlFor={`${id}-model`}>Model name</label>
              <input id={`${id}-model`} placeholder="as the server names it (optional)" value={model} onChange={(e) => setModel(e.target.value)} />
            </>
          )}
          <span>
            <button type="button" onClick={() => server(kind, token === '' ? undefined : token)}>
              Use server
            </button>{' '}
            {saved?.tokenSet && (
              <button type="button" className="quiet" onClick={() => server(kind, null)}>
                Remove token
              </button>
            )}
          </span>
          <span className="muted">
            {saved ? `In use: ${saved.url}${saved.tokenSet ? ', token set' : ''}. ` : ''}When the server does not answer, the local model takes over.
          </span>
        </>
      )}
    </fieldset>
  );
}

/** Serving the model to editors on this machine: on/off and the port; once on, the endpoint and the key to give the editor. */
function ServeApiFields({ serveApi, onChange }: { serveApi: ServeApiSettings; onChange: (serveApi: ServeApiSettings) => void }) {
  const api = useApi();
  const id = useId();
  const [status, setStatus] = useState<ServeApiStatus | null>(null);

  // Main answers once the server has started or stopped for the settings saved so far.
  useEffect(() => {
    let live = true;
    api.call('serveApi.status', {}).then(
      (next) => live && setStatus(next),
      () => live && setStatus(null),
    );
    return () => {
      live = false;
    };
  }, [api, serveApi.enabled, serveApi.port]);

  return (
    <fieldset className="assistant-serve">
      <legend>Serve to editors</legend>
      <label className="assistant-settings-check">
        <input type="checkbox" checked={serveApi.enabled} onChange={(e) => onChange({ ...serveApi, enabled: e.target.checked })} />
        Serve this model on 127.0.0.1 (llama.cpp /infill, OpenAI /v1/completions)
      </label>
      <CountField
        id={`${id}-port`}
        label="Port"
        hint={`llama.vscode and llama.vim look on ${DEFAULT_SERVE_PORT}.`}
        value={serveApi.port}
        min={1}
        max={65_535}
        onValid={(port) => onChange({ ...serveApi, port })}
      />
      {status?.state === 'on' && (
        <>
          <label htmlFor={`${id}-url`}>Endpoint</label>
          <input id={`${id}-url`} readOnly value={status.url ?? ''} />
          <label htmlFor={`${id}-token`}>API key</label>
          <input id={`${id}-token`} readOnly value={status.token ?? ''} />
          <span className="muted">Editors send the key as Authorization: Bearer; only programs on this machine can connect.</span>
        </>
      )}
      {status?.state === 'error' && <div role="alert" className="alert error">{status.message}</div>}
    </fieldset>
  );
}

function CountField({ id, label, hint, value, min, max, onValid }: {
  id: string;
  label: string;
  hint: string;
  value: number;
  min: number;
  max: number;
  onValid: (value: number) => void;
}) {
  const [text, setText] = useState(String(value));
  const invalid = parseCount(text, min, max) === null;

  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        min={min}
        max={max}
        step={1}
        value={text}
        aria-invalid={invalid}
        aria-describedby={`${id}-hint`}
        onChange={(e) => {
          setText(e.target.value);
          const parsed = parseCount(e.target.value, min, max);
          if (parsed !== null && parsed !== value) onValid(parsed);
        }}
      />
      <span id={`${id}-hint`} className={invalid ? 'field-error' : 'muted'}>
        {invalid ? `${label} must be a whole number from ${min} to ${max}.` : hint}
      </span>
    </>
  );
}
