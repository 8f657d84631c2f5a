import type { NewAttachment } from '../../app/ipc/contract';

export interface SelectedLines {
  text: string;
  startLine: number;
  endLine: number;
  /** Column where the selection ends: a selection ending at the start of a line does not take that line. */
  endColumn: number;
}

/**
 * What "Attach to step" adds: the selected lines as text titled `path:start-end`, or the whole file. A line
 * the selection only touches (it starts after the line's last character, or ends before its first) holds
 * no selected character, so it is not in the range.
 */
export function attachmentFor(path: string, selection: SelectedLines | null): NewAttachment {
  if (!selection || selection.text === '') return { kind: 'workspace-file', path };
  let { startLine, endLine } = selection;
  if (endLine > startLine && (selection.endColumn === 1 || /\n$/.test(selection.text))) endLine--;
  if (endLine > startLine && /^\r?\n/.test(selection.text)) startLine++;
  return { kind: 'text', title: `${path}:${startLine}-${endLine}`, text: selection.text };
}
