import { readFileForView, requireTrustToLoad } from '../services/attachments';
import { readPackageDocs } from '../services/packageDocs';
import { resolveInsideWorkspace } from '../services/workspaceFiles';
import { HtmlConversionError, HtmlConverter } from './htmlText';
import { readBoundedBody } from './boundedBody';
import type { Attachment, Journal, Step } from '../../app/journal/schema';
import type { ContextDocument } from '../../app/completion/schemas';

/** One document of a step's context, before it is read. */
export interface StepDocument {
  /** Attachment id, or `notes:<stepId>`. */
  id: string;
  title: string;
  kind: ContextDocument['kind'];
  pinned: boolean;
  /** The name the model sees: a workspace-relative path, a URL, or a title. */
  name: string;
  /** Attachment time; the step notes have none. */
  addedAt: string | null;
  attachment: Attachment | null;
}

export const notesDocumentId = (stepId: string): string => `notes:${stepId}`;

function fromAttachment(attachment: Attachment, pinned: boolean): StepDocument {
  const name = attachment.kind === 'workspace-file' || attachment.kind === 'url' ? attachment.source : attachment.title;
  return { id: attachment.id, title: attachment.title, kind: attachment.kind, pinned, name, addedAt: attachment.addedAt, attachment };
}

/**
 * The documents of a step: attachments pinned from earlier steps (in pin order), the step's own
 * attachments (oldest first), and its title and notes. This is also their order in the prompt: a new
 * attachment adds blocks after the others, so their encoded blocks stay where they were, and the notes,
 * which change most often, come last, where a change recomputes only their own blocks.
 */
export function stepDocuments(journal: Journal, step: Step): StepDocument[] {
  const attachments = new Map(journal.steps.flatMap((s) => s.attachments.map((a) => [a.id, a] as const)));
  const pinned = step.pinnedAttachmentIds
    .map((id) => attachments.get(id))
    .filter((a): a is Attachment => a !== undefined)
    .map((a) => fromAttachment(a, true));
  const own = step.attachments.map((a) => fromAttachment(a, false));
  const notes: StepDocument = {
    id: notesDocumentId(step.id),
    title: step.title || 'Step notes',
    kind: 'step-notes',
    pinned: false,
    name: `step: ${step.title || 'untitled'}`,
    addedAt: null,
    attachment: null,
  };
  return [...pinned, ...own, notes];
}

/** The step's title and notes as one text; empty when both are. */
export function notesText(step: Step): string {
  return [step.title.trim(), step.notes.trim()].filter(Boolean).join('\n\n');
}

export class DocumentReadError extends Error {
  override readonly name = 'DocumentReadError';
}

/** The page was fetched but its HTML could not be turned into text (too slow, too big): the same HTML would fail again. */
class UrlConversionError extends DocumentReadError {}

export interface UrlFetcherOptions {
  maxBytes?: number;
  timeoutMs?: number;
  /** How long converting a page's HTML to text may take. */
  htmlTimeoutMs?: number;
  /** How long a failed download is remembered before the next request tries again. */
  retryAfterMs?: number;
  now?: () => number;
}

const isHtml = (contentType: string) => /html/i.test(contentType);

export const URL_MAX_BYTES = 2 * 1024 * 1024;
export const URL_TIMEOUT_MS = 10_000;
export const URL_RETRY_AFTER_MS = 60_000;

/**
 * Fetches URL documents in main: bounded size and time, HTML as readable text (converted in a worker), cached for
 * the session. Failures are cached too, so a warm-up or completion does not redo them: a page that could not be
 * converted for the session (its HTML would fail the same way), a failed download for `retryAfterMs` (the
 * network may be back).
 */
export class UrlFetcher {
  private readonly cache = new Map<string, { text: Promise<string>; expiresAt: number }>();
  private readonly maxBytes: number;
  private readonly timeoutMs: number;
  private readonly html: HtmlConverter;
  private readonly retryAfterMs: number;
  private readonly now: () => number;

  constructor(options: UrlFetcherOptions = {}) {
    this.maxBytes = options.maxBytes ?? URL_MAX_BYTES;
    this.timeoutMs = options.timeoutMs ?? URL_TIMEOUT_MS;
    this.html = new HtmlConverter({ maxChars: this.maxBytes, timeoutMs: options.htmlTimeoutMs });
    this.retryAfterMs = options.retryAfterMs ?? URL_RETRY_AFTER_MS;
    this.now = options.now ?? Date.now;
  }

  fetch(url: string): Promise<string> {
    const cached = this.cache.get(url);
    if (cached && this.now() < cached.expiresAt) return cached.text;
    const entry = { text: this.download(url), expiresAt: Infinity };
    this.cache.set(url, entry);
    entry.text.catch((error: unknown) => {
      if (!(error instanceof UrlConversionError)) entry.expiresAt = this.now() + this.retryAfterMs;
    });
    return entry.text;
  }

  private async download(url: string): Promise<string> {
    const protocol = new URL(url).protocol;
    if (protocol !== 'http:' && protocol !== 'https:') throw new DocumentReadError(`Only http(s) URLs are fetched: ${url}`);
    const signal = AbortSignal.timeout(this.timeoutMs);
    let body: string;
    let type: string;
    try {
      const response = await fetch(url, { signal, redirect: 'follow' });
      if (!response.ok) throw new DocumentReadError(`${url} answered ${response.status} ${response.statusText}`);
      type = response.headers.get('content-type') ?? '';
      // The converter's worker loads while the body arrives.
      if (isHtml(type)) this.html.prepare();
      body = await this.readCapped(response, url);
    } catch (error) {
      if (signal.aborted) throw new DocumentReadError(`${url} did not answer within ${this.timeoutMs / 1000} s`);
      if (error instanceof DocumentReadError) throw error;
      throw new DocumentReadError(`Cannot fetch ${url}: ${(error as Error).message}`);
    }
    if (!isHtml(type)) return body;
    return this.html.convert(body).catch((error: unknown) => {
      throw error instanceof HtmlConversionError ? new UrlConversionError(`${url}: ${error.message}.`) : error;
    });
  }

  private readCapped(response: Response, url: string): Promise<string> {
    return readBoundedBody(response, this.maxBytes, () => new DocumentReadError(`${url} is larger than ${Math.round(this.maxBytes / 1024)} KiB, the limit for a document`));
  }
}

/** Where document texts come from: the workspace, the editor's buffers, the journal folder, the network. */
export interface DocumentSources {
  /** Whether the journal is trusted: an untrusted one's documents are only its notes and pasted text. */
  trusted: boolean;
  workspaceRoot: string | null;
  buffers: { get(path: string): string | null };
  attachmentText(attachmentId: string): Promise<string | null>;
  urls: UrlFetcher;
}

/** Reads one document as text; throws DocumentReadError (or the services' UserFacingError) with a sentence. */
export async function readDocument(doc: StepDocument, step: Step, sources: DocumentSources): Promise<string> {
  const attachment = doc.attachment;
  if (!attachment) return notesText(step);
  requireTrustToLoad(attachment, sources.trusted);
  const workspace = (): string => {
    if (!sources.workspaceRoot) throw new DocumentReadError('No workspace is open.');
    return sources.workspaceRoot;
  };
  switch (attachment.kind) {
    case 'workspace-file': {
      const buffered = sources.buffers.get(attachment.source);
      if (buffered !== null) return buffered;
      return (await readFileForView(await resolveInsideWorkspace(workspace(), attachment.source))).text;
    }
    case 'file':
      return (await readFileForView(attachment.source)).text;
    case 'url':
      return sources.urls.fetch(attachment.source);
    case 'text': {
      const text = await sources.attachmentText(attachment.id);
      if (text === null) throw new DocumentReadError(`The text of "${attachment.title}" is missing from the journal folder.`);
      return text;
    }
    case 'package-docs':
      return (await readPackageDocs(workspace(), attachment.source)).text;
  }
}
