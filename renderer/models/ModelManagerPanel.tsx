import { useId, useState, type FormEvent } from 'react';
import { Dialog } from '../app/Dialog';
import type { DownloadState, ModelInfo, RecommendedModel } from '../../app/completion/schemas';
import { AssistantSettingsForm } from './AssistantSettingsForm';
import { CompressModel } from './CompressModel';
import { formatBytes, ORIGIN_LABEL } from './format';
import { HeadProfilePanel } from './HeadProfilePanel';
import { useModelCatalog, type PanelError } from './useModelCatalog';
import './models.css';

type Catalog = ReturnType<typeof useModelCatalog>;

/** The model manager: installed models (use, remove), adding a GGUF file, recommended downloads, settings. */
export function ModelManagerPanel({ onClose }: { onClose: () => void }) {
  const settingsId = useId();
  const models = useModelCatalog();
  const { catalog } = models;

  return (
    <Dialog title="Models" className="model-manager" onClose={onClose}>
      <div className="model-manager-body">
        <ErrorList errors={models.errors} onDismiss={models.dismiss} />
        {catalog === null ? (
          <p className="muted">Loading models…</p>
        ) : (
          <>
            <InstalledModels installed={catalog.installed} selectedId={catalog.selectedId} models={models} />
            <AddLocalModel models={models} />
            <CompressModel installed={catalog.installed} models={models} />
            <RecommendedModels recommended={catalog.recommended} installed={catalog.installed} downloads={catalog.downloads} models={models} />
          </>
        )}
        <HeadProfilePanel />
        <section aria-labelledby={settingsId}>
          <h3 id={settingsId}>Settings</h3>
          <AssistantSettingsForm />
        </section>
      </div>
    </Dialog>
  );
}

function ErrorList({ errors, onDismiss }: { errors: PanelError[]; onDismiss: (id: number) => void }) {
  return errors.map((error) => (
    <div key={error.id} role="alert" className="alert error">
      <span className="alert-message">{error.message}</span>
      <button type="button" className="quiet" onClick={() => onDismiss(error.id)}>
        Dismiss
      </button>
    </div>
  ));
}

function InstalledModels({ installed, selectedId, models }: { installed: ModelInfo[]; selectedId: string | null; models: Catalog }) {
  return (
    <section aria-label="Installed models">
      <h3>Installed</h3>
      {installed.length === 0 ? (
        <p className="muted">No model yet: add a GGUF file from disk or download a recommended one below.</p>
      ) : (
        <ul className="model-list">
          {installed.map((model) => {
            const inUse = model.id === selectedId;
            return (
              <li key={model.id} aria-label={model.name} aria-current={inUse ? 'true' : undefined} className="model-row">
                <span className="model-name" title={model.path}>{model.name}</span>
                <span className="muted">
                  {formatBytes(model.sizeBytes)}, {ORIGIN_LABEL[model.origin]}
                </span>
                {inUse ? (
                  <span className="model-in-use">In use</span>
                ) : (
                  <button type="button" onClick={() => void models.change('models.select', { id: model.id })}>
                    Use
                  </button>
                )}
                {model.origin !== 'command-line' && model.origin !== 'bundled' && (
                  <button type="button" className="quiet" onClick={() => void models.change('models.remove', { id: model.id })}>
                    Remove
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function AddLocalModel({ models }: { models: Catalog }) {
  const [path, setPath] = useState('');
  const [adding, setAdding] = useState(false);
  const inputId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setAdding(true);
    if (await models.change('models.addLocal', { path: path.trim() })) setPath('');
    setAdding(false);
  };

  return (
    <section aria-label="Add GGUF file">
      <h3>Add GGUF file</h3>
      <form className="model-add" onSubmit={(e) => void submit(e)}>
        <label htmlFor={inputId}>Model file path</label>
        <input id={inputId} value={path} onChange={(e) => setPath(e.target.value)} placeholder="/path/to/model.gguf" spellCheck={false} />
        <button type="submit" disabled={adding || path.trim() === ''}>
          Add model
        </button>
      </form>
    </section>
  );
}

function RecommendedModels({ recommended, installed, downloads, models }: {
  recommended: RecommendedModel[];
  installed: ModelInfo[];
  downloads: DownloadState[];
  models: Catalog;
}) {
  return (
    <section aria-label="Recommended models">
      <h3>Download a recommended model</h3>
      <p className="muted">Base code models trained for fill-in-the-middle; the smaller one is faster, the larger one suggests better.</p>
      <ul className="model-list">
        {recommended.map((model) => {
          const download = downloads.find((d) => d.id === model.id);
          const isInstalled = installed.some((m) => m.id === model.id);
          return (
            <li key={model.id} aria-label={model.name} className="model-recommended">
              <div className="model-row">
                <span className="model-name">{model.name}</span>
                <span className="muted">{formatBytes(model.sizeBytes)}</span>
                {isInstalled ? (
                  <span className="model-in-use">Installed</span>
                ) : (
                  !download && (
                    <button type="button" onClick={() => void models.downloadCall('models.download', { recommendedId: model.id }, model.id)}>
                      Download
                    </button>
                  )
                )}
              </div>
              <p className="model-note">{model.note}</p>
              <p className="muted model-checksum">{model.sha256 ? 'Verified with a known SHA-256 checksum after download.' : 'No checksum known: the download is only checked to be a GGUF model.'}</p>
              {download && <DownloadRow download={download} models={models} />}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

const STATE_LABEL: Record<DownloadState['state'], string> = {
  downloading: 'Downloading',
  paused: 'Paused',
  verifying: 'Verifying',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

function DownloadRow({ download, models }: { download: DownloadState; models: Catalog }) {
  const { id, state, downloadedBytes, totalBytes } = download;
  const percent = totalBytes ? Math.min(100, Math.floor((downloadedBytes / totalBytes) * 100)) : undefined;
  const act = (name: 'models.pause' | 'models.resume' | 'models.cancel') => void models.downloadCall(name, { id }, id);

  return (
    <div className="model-download" aria-label={`Download of ${download.name}`} role="group">
      <div
        role="progressbar"
        aria-label={`${download.name} download`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={`${STATE_LABEL[state]}: ${formatBytes(downloadedBytes)}${totalBytes ? ` of ${formatBytes(totalBytes)}` : ''}`}
        className="model-progress"
      >
        <div className="model-progress-fill" style={{ width: `${percent ?? 0}%` }} />
      </div>
      <span className="muted">
        {STATE_LABEL[state]}: {formatBytes(downloadedBytes)}
        {totalBytes ? ` of ${formatBytes(totalBytes)}` : ''}
      </span>
      {state === 'downloading' && (
        <button type="button" onClick={() => act('models.pause')}>
          Pause
        </button>
      )}
      {(state === 'paused' || state === 'failed') && (
        <button type="button" onClick={() => act('models.resume')}>
          Resume
        </button>
      )}
      {state !== 'verifying' && (
        <button type="button" className="quiet" onClick={() => act('models.cancel')}>
          Cancel
        </button>
      )}
      {state === 'failed' && download.error && (
        <div role="alert" className="alert error">
          {download.error}
        </div>
      )}
    </div>
  );
}
