import { useEffect, useId, useState, type FormEvent } from 'react';
import type { NewAttachment } from '../../../app/ipc/contract';
import { attachmentTooLarge, MAX_ATTACHMENT_TEXT_BYTES, utf8Exceeds } from '../../../app/ipc/limits';
import { AttachmentKind } from '../../../app/journal/schema';
import { useReportingCall } from '../../app/context';
import { useAttachOnce } from './duplicate';

const FILE_FILTER_DELAY_MS = 200;

const KIND_CHOICE: Record<AttachmentKind, string> = {
  file: 'Local file',
  'workspace-file': 'Workspace file',
  url: 'URL',
  text: 'Pasted text',
  'package-docs': 'Library docs (node_modules)',
};

interface Fields {
  path: string;
  packageName: string;
  url: string;
  title: string;
  text: string;
}

function toNewAttachment(kind: AttachmentKind, fields: Fields): NewAttachment | null {
  const title = fields.title.trim();
  switch (kind) {
    case 'file':
    case 'workspace-file':
      return fields.path.trim() ? { kind, path: fields.path.trim() } : null;
    case 'url':
      return fields.url.trim() ? { kind, url: fields.url.trim(), ...(title ? { title } : {}) } : null;
    case 'text':
      return title && fields.text ? { kind, title, text: fields.text } : null;
    case 'package-docs':
      return fields.packageName.trim() ? { kind, packageName: fields.packageName.trim() } : null;
  }
}

export function AttachForm({ stepId, onClose }: { stepId: string; onClose: () => void }) {
  const addAttachment = useAttachOnce();
  const [kind, setKind] = useState<AttachmentKind>('file');
  const [fields, setFields] = useState<Fields>({ path: '', packageName: '', url: '', title: '', text: '' });
  const id = useId();
  const tooLarge = kind === 'text' && utf8Exceeds(fields.text, MAX_ATTACHMENT_TEXT_BYTES);
  const attachment = tooLarge ? null : toNewAttachment(kind, fields);
  const set = (field: keyof Fields) => (event: { target: { value: string } }) => setFields((f) => ({ ...f, [field]: event.target.value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (attachment && (await addAttachment(stepId, attachment))) onClose();
  };

  return (
    <form className="attach-form" onSubmit={(e) => void submit(e)} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <label htmlFor={`${id}-kind`}>Attachment kind</label>
      <select id={`${id}-kind`} value={kind} onChange={(e) => setKind(AttachmentKind.parse(e.target.value))}>
        {AttachmentKind.options.map((option) => (
          <option key={option} value={option}>
            {KIND_CHOICE[option]}
          </option>
        ))}
      </select>
      {(kind === 'file' || kind === 'workspace-file') && (
        <>
          <label htmlFor={`${id}-path`}>Path</label>
          <input
            id={`${id}-path`}
            value={fields.path}
            autoFocus
            spellCheck={false}
            placeholder={kind === 'file' ? '/absolute/path/to/file' : 'Type to filter workspace files'}
            onChange={set('path')}
          />
          {kind === 'workspace-file' && <WorkspaceFiles filter={fields.path} onPick={(path) => setFields((f) => ({ ...f, path }))} />}
        </>
      )}
      {kind === 'package-docs' && (
        <>
          <label htmlFor={`${id}-package`}>Package</label>
          <input id={`${id}-package`} value={fields.packageName} autoFocus spellCheck={false} placeholder="zod, @types/node, …" onChange={set('packageName')} />
        </>
      )}
      {kind === 'url' && (
        <>
          <label htmlFor={`${id}-url`}>URL</label>
          <input id={`${id}-url`} type="url" value={fields.url} autoFocus placeholder="https://…" onChange={set('url')} />
        </>
      )}
      {(kind === 'url' || kind === 'text') && (
        <>
          <label htmlFor={`${id}-title`}>Title</label>
          <input id={`${id}-title`} value={fields.title} placeholder={kind === 'url' ? 'Optional' : 'Ticket 1234'} onChange={set('title')} />
        </>
      )}
      {kind === 'text' && (
        <>
          <label htmlFor={`${id}-text`}>Text</label>
          <textarea id={`${id}-text`} value={fields.text} rows={6} aria-invalid={tooLarge} onChange={set('text')} />
          {tooLarge && <p role="alert" className="problem">{attachmentTooLarge}</p>}
        </>
      )}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={!attachment}>
          Add attachment
        </button>
        <button type="button" className="quiet" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Workspace files matching the filter; picking one fills the path. */
function WorkspaceFiles({ filter, onPick }: { filter: string; onPick: (path: string) => void }) {
  const call = useReportingCall();
  const [files, setFiles] = useState<string[]>([]);

  useEffect(() => {
    let stale = false;
    const timer = setTimeout(async () => {
      const found = await call('workspace.files', { query: filter.trim() });
      if (!stale && found) setFiles(found);
    }, FILE_FILTER_DELAY_MS);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [call, filter]);

  if (files.length === 0) return <p className="muted file-picker-empty">No matching files.</p>;
  return (
    <ul aria-label="Workspace files" className="file-picker">
      {files.map((file) => (
        <li key={file}>
          <button type="button" className={file === filter ? 'picked' : ''} onClick={() => onPick(file)}>
            {file}
          </button>
        </li>
      ))}
    </ul>
  );
}
