import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Reply } from '../../../app/ipc/api';
import { calls } from '../../../app/ipc/contract';
import { MAX_ATTACHMENT_TEXT_BYTES } from '../../../app/ipc/limits';
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

/** Values a handler might throw, down to ones that throw again when looked at. */
const strangeThrowables: unknown[] = [
  'a string',
  undefined,
  null,
  42,
  1n,
  Symbol('s'),
  { message: { nested: true } },
  Object.create(null),
  new Proxy({}, { get: () => { throw new Error('trap'); }, getPrototypeOf: () => { throw new Error('trap'); } }),
  Object.defineProperty(new Error('with a bad stack'), 'stack', { get: () => { throw new Error('no stack'); } }),
];

function isWellFormed(reply: Reply): boolean {
  return reply.ok ? true : typeof reply.error.code === 'string' && typeof reply.error.message === 'string';
}

describe('dispatcher, whatever arrives', () => {
  it('answers a call name that is not a string with bad-request instead of throwing', async () => {
    const dispatch = createDispatcher({} as CallHandlers);
    for (const name of [{ toString: 1 }, { toString: () => { throw new Error('no'); } }, null, undefined, 7, ['journal.open'], Symbol('x')]) {
      const reply = await dispatch(name, {});
      expect(reply).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    }
  });

  it('turns anything a handler throws into an internal error reply', async () => {
    for (const thrown of strangeThrowables) {
      const dispatch = createDispatcher({ 'workspace.info': async () => { throw thrown; } } as unknown as CallHandlers);
      const reply = await dispatch('workspace.info', {});
      expect(reply.ok).toBe(false);
      expect(isWellFormed(reply)).toBe(true);
    }
  });

  it('reports a text over its limit as too-large with the message the UI shows', async () => {
    const dispatch = createDispatcher({} as CallHandlers);
    const text = 'x'.repeat(MAX_ATTACHMENT_TEXT_BYTES + 1);
    const reply = await dispatch('attachment.add', { journalId: 'j', stepId: 's', attachment: { kind: 'text', title: 't', text } });
    expect(reply).toEqual({ ok: false, error: { code: 'too-large', message: 'This attachment is over 5 MB.' } });
  });

  it('never rejects, for random names and inputs, real or not (property)', async () => {
    const names = Object.keys(calls);
    let count = 0;
    const handlers = Object.fromEntries(names.map((name) => [name, async () => {
      count++;
      if (count % 2) throw strangeThrowables[count % strangeThrowables.length];
      return { name };
    }])) as unknown as CallHandlers;
    const dispatch = createDispatcher(handlers);
    // Keys that JavaScript treats specially, so that objects like {"toString": 1} come up often.
    const key = fc.oneof(fc.string(), fc.constantFrom('toString', 'valueOf', '__proto__', 'constructor', 'then'));
    const value = fc.anything({ key, withNullPrototype: true, withBigInt: true });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom(...names), fc.string(), value), value, async (name, input) => {
        expect(isWellFormed(await dispatch(name, input))).toBe(true);
      }),
      { numRuns: 2000, seed: 9 },
    );
    // Calls that take any object (workspace.info, models.list…) reached their handlers.
    expect(count).toBeGreaterThan(20);
  });
});
