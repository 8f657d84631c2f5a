import type { Journal } from '../../app/journal/schema';
import { findStep } from '../../app/journal/schema';
import { readDocument, stepDocuments, type DocumentSources, type StepDocument } from './documents';

/**
 * Main has no tokenizer, so the budget is checked against an estimate: code and prose average about
 * 3.5-4 characters per token with BPE vocabularies; 3 errs on the side of leaving a document out
 * rather than overflowing the context. The report shows the engine's real counts for what went in.
 */
export function estimateTokens(name: string, text: string): number {
  return Math.ceil((name.length + text.length + 2) / 3);
}

export interface ContextEntry {
  doc: StepDocument;
  /** Null when the document could not be read. */
  text: string | null;
  estimatedTokens: number;
  state: 'included' | 'left-out' | 'error';
  /** Why it was left out or failed, in words. */
  reason: string | null;
}

export interface BuiltContext {
  journalId: string;
  stepId: string;
  /** Every document of the step in prompt order, left-out and failed ones where they would have been. */
  entries: ContextEntry[];
}

/**
 * The budget rule: documents are admitted in priority order while their estimated tokens fit
 * `budgetTokens`; one that does not fit is left out whole (a cut file misleads more than a missing one)
 * and smaller ones after it may still go in. Priority:
 *   1. the step's title and notes (short, and they say what the step is for);
 *   2. documents pinned from earlier steps, most recently pinned first (the user chose to keep them);
 *   3. the step's own attachments, most recently attached first.
 * Documents that fail to read are 'error' and take no budget; an empty notes document is not sent.
 */
export function selectionOrder(entries: readonly ContextEntry[]): ContextEntry[] {
  const notes = entries.filter((e) => e.doc.kind === 'step-notes');
  const pinned = entries.filter((e) => e.doc.pinned).reverse();
  const own = entries
    .filter((e) => e.doc.kind !== 'step-notes' && !e.doc.pinned)
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => (b.entry.doc.addedAt ?? '').localeCompare(a.entry.doc.addedAt ?? '') || b.index - a.index)
    .map(({ entry }) => entry);
  return [...notes, ...pinned, ...own];
}

export function applyBudget(entries: ContextEntry[], budgetTokens: number): void {
  let left = budgetTokens;
  for (const entry of selectionOrder(entries)) {
    if (entry.state !== 'included') continue;
    if (entry.estimatedTokens <= left) {
      left -= entry.estimatedTokens;
    } else {
      entry.state = 'left-out';
      entry.reason = `About ${entry.estimatedTokens} tokens; only ${left} of the ${budgetTokens}-token context budget were left after documents of higher priority.`;
    }
  }
}

/**
 * Reads the documents of step `stepId` (a tab's selection; the journal's current step when absent or gone), failures
 * staying per document, and applies the budget rule.
 */
export async function buildContext(journal: Journal, sources: DocumentSources, budgetTokens: number, stepId?: string | null): Promise<BuiltContext | null> {
  const id = stepId && findStep(journal, stepId) ? stepId : journal.currentStepId;
  const step = id ? findStep(journal, id) : undefined;
  if (!step) return null;
  const docs = stepDocuments(journal, step);
  const entries = await Promise.all(
    docs.map(async (doc): Promise<ContextEntry> => {
      try {
        const text = await readDocument(doc, step, sources);
        return { doc, text, estimatedTokens: estimateTokens(doc.name, text), state: 'included', reason: null };
      } catch (error) {
        return { doc, text: null, estimatedTokens: 0, state: 'error', reason: (error as Error).message };
      }
    }),
  );
  const sent = entries.filter((e) => !(e.doc.kind === 'step-notes' && e.text === ''));
  applyBudget(sent, budgetTokens);
  return { journalId: journal.id, stepId: step.id, entries: sent };
}

/** The included documents, in prompt order, as the engine takes them. */
export function promptDocuments(context: BuiltContext | null): { name: string; text: string }[] {
  return (context?.entries ?? []).filter((e) => e.state === 'included').map((e) => ({ name: e.doc.name, text: e.text ?? '' }));
}
