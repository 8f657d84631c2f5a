import { describe, expect, it } from 'vitest';
import { createDispatcher, UserFacingError, type CallHandlers } from '../../../main/transport/dispatcher';

describe('dispatcher', () => {
  const logged: string[] = [];
  const dispatch = createDispatcher(
    {
      'journal.open': async ({ journalId }: { journalId: string }) => {
        if (journalId === 'gone') throw new UserFacingError('journal-unreadable', 'journal.json is broken');
        throw new Error('disk on fire');
      },
    } as unknown as CallHandlers,
    (message) => logged.push(message),
  );

  it('passes a user-facing error through with its code', async () => {
    expect(await dispatch('journal.open', { journalId: 'gone' })).toEqual({
      ok: false,
      error: { code: 'journal-unreadable', message: 'journal.json is broken' },
    });
  });

  it('reports an unexpected failure as internal and logs it', async () => {
    const reply = await dispatch('journal.open', { journalId: 'other' });
    expect(reply).toEqual({ ok: false, error: { code: 'internal', message: 'disk on fire' } });
    expect(logged.join('\n')).toContain('disk on fire');
  });

  it('never reaches a handler with input that does not match the contract', async () => {
    const reply = await dispatch('journal.open', { journalId: 42 });
    expect(reply.ok).toBe(false);
    expect(!reply.ok && reply.error.code).toBe('bad-request');
    expect(await dispatch('constructor', {})).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
  });
});
