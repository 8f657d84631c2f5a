import type { NewAttachment } from '../../app/ipc/contract';

export interface SelectedLines {
  text: string;
  startLine: number;
  endLine: number;
  /** Column where the selection ends: a selection ending at the start of a line does not take that line. */
  endColumn: number;
}

/** What "Attach to step" adds: the selected lines as text titled `path:start-end`, or the whole file. */
export function attachmentFor(path: string, selection: SelectedLines | null): NewAttachment {
  if (!selection || selection.text === '') return { kind: 'workspace-file', path };
  const endLine = selection.endColumn === 1 && selection.endLine > selection.startLine ? selection.endLine - 1 : selection.endLine;
  return { kind: 'text', title: `${path}:${selection.startLine}-${endLine}`, text: selection.text };
}
