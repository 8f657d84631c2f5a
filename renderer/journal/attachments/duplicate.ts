import { useCallback, useContext } from 'react';
import type { NewAttachment } from '../../../app/ipc/contract';
import type { Attachment, Step } from '../../../app/journal/schema';
import { useApi, useApp } from '../../app/context';
import { JournalStoreContext } from '../context';

const utf8 = new TextEncoder();

/** The message for an attachment the step already has: adding it again would only repeat it in the model's context. */
export const alreadyAttached = (title: string) => `“${title}” is already attached to this step.`;

/**
 * The attachment of `step` that `request` would add again, if any: the same file, URL or package, or pasted
 * text with the same title and the same content (read back only when title and size already match).
 */
export async function findDuplicate(step: Step, request: NewAttachment, readText: (attachmentId: string) => Promise<string>): Promise<Attachment | undefined> {
  const sameSource = (kind: Attachment['kind'], source: string) => step.attachments.find((a) => a.kind === kind && a.source === source.trim());
  switch (request.kind) {
    case 'file':
      return sameSource('file', request.path);
    case 'workspace-file':
      return sameSource('workspace-file', request.path.trim().replace(/^(\.\/)+/, ''));
    case 'url':
      return sameSource('url', request.url);
    case 'package-docs':
      return sameSource('package-docs', request.packageName);
    case 'text': {
      const size = utf8.encode(request.text).length;
      for (const candidate of step.attachments) {
        if (candidate.kind === 'text' && candidate.title === request.title && candidate.sizeBytes === size && (await readText(candidate.id)) === request.text) return candidate;
      }
      return undefined;
    }
  }
}

/**
 * Adds an attachment to a step of the open journal unless the step already has it: then it says so and
 * adds nothing (false). Used by the attach form and the editor's Attach to step.
 */
export function useAttachOnce(): (stepId: string, request: NewAttachment) => Promise<boolean> {
  const store = useContext(JournalStoreContext);
  const api = useApi();
  const reportError = useApp((s) => s.reportError);
  const showNotice = useApp((s) => s.showNotice);
  return useCallback(
    async (stepId, request) => {
      if (!store) return false;
      const { journal, journalId, addAttachment } = store.getState();
      const step = journal.steps.find((s) => s.id === stepId);
      const readText = async (attachmentId: string) => (await api.call('attachment.read', { journalId, attachmentId })).text;
      try {
        const twin = step && (await findDuplicate(step, request, readText));
        if (twin) {
          showNotice(alreadyAttached(twin.title));
          return false;
        }
      } catch (error) {
        reportError(error);
        return false;
      }
      return addAttachment(stepId, request);
    },
    [store, api, reportError, showNotice],
  );
}
