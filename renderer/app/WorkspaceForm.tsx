import { useId, useState, type FormEvent } from 'react';
import { useApp } from './context';

/** Shown while no workspace folder is open, or when the user wants another one. */
export function WorkspaceForm() {
  const openWorkspace = useApp((s) => s.openWorkspace);
  const hasWorkspace = useApp((s) => Boolean(s.workspace?.path));
  const setChoosingWorkspace = useApp((s) => s.setChoosingWorkspace);
  const [path, setPath] = useState('');
  const inputId = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (path.trim()) void openWorkspace(path.trim());
  };

  return (
    <div className="placeholder card">
      <h1>Open a workspace folder</h1>
      <p className="muted">Journals are kept with the folder they are about. Type the folder’s absolute path.</p>
      <form className="inline-form" onSubmit={submit}>
        <label htmlFor={inputId}>Folder path</label>
        <input id={inputId} value={path} autoFocus placeholder="/home/me/project" onChange={(e) => setPath(e.target.value)} />
        <button type="submit" className="primary">
          Open
        </button>
        {hasWorkspace && (
          <button type="button" className="quiet" onClick={() => setChoosingWorkspace(false)}>
            Cancel
          </button>
        )}
      </form>
    </div>
  );
}
