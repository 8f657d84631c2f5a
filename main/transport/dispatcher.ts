import { z } from 'zod';
import type { Reply } from '../../app/ipc/api';
import { calls, isCallName, type CallName, type CallOutput, type EventName, type EventPayload } from '../../app/ipc/contract';

/** One handler per call of the contract; inputs arrive already validated. */
export type CallHandlers = {
  [K in CallName]: (input: z.output<(typeof calls)[K]['input']>) => Promise<CallOutput<K>>;
};

/** Where main's events go: every window (Electron) or every connected socket (browser mode). */
export type EventSink = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

/** An error whose code reaches the renderer as is; anything else is reported as "internal". */
export class UserFacingError extends Error {
  override readonly name = 'UserFacingError';
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

function describeValidation(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid request';
  return `${issue.path.length ? issue.path.join('.') : 'input'}: ${issue.message}`;
}

/**
 * The boundary of main: checks that a call names the contract and that its input matches the schema,
 * then runs the handler and turns every failure into a `Reply` (never a thrown error across IPC).
 */
export function createDispatcher(handlers: CallHandlers, log: (message: string) => void = () => undefined) {
  return async function dispatch(name: unknown, input: unknown): Promise<Reply> {
    if (!isCallName(name)) return { ok: false, error: { code: 'unknown-call', message: `Unknown call: ${String(name)}` } };
    const parsed = calls[name].input.safeParse(input);
    if (!parsed.success) {
      return { ok: false, error: { code: 'bad-request', message: `Bad request to ${name}: ${describeValidation(parsed.error)}` } };
    }
    try {
      const handler = handlers[name] as (value: unknown) => Promise<unknown>;
      return { ok: true, value: await handler(parsed.data) };
    } catch (error) {
      if (error instanceof UserFacingError) return { ok: false, error: { code: error.code, message: error.message } };
      log(`${name} failed: ${(error as Error)?.stack ?? String(error)}`);
      return { ok: false, error: { code: 'internal', message: (error as Error)?.message ?? String(error) } };
    }
  };
}

export type Dispatch = ReturnType<typeof createDispatcher>;
