import { z } from 'zod';
import type { Reply } from '../../app/ipc/api';
import { sizeLimitMessage, TOO_LARGE } from '../../app/ipc/limits';
import { calls, isCallName, type CallName, type CallOutput, type EventName, type EventPayload } from '../../app/ipc/contract';

/** One handler per call of the contract; inputs arrive already validated. */
export type CallHandlers = {
  [K in CallName]: (input: z.output<(typeof calls)[K]['input']>) => Promise<CallOutput<K>>;
};

/** The calls one service answers; the services together must cover the whole contract (the type checker says so). */
export type HandlersOf<K extends CallName> = Pick<CallHandlers, K>;

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

/** The reply for a failed handler, whatever it threw (a non-Error, or one whose properties throw). */
function failure(name: CallName, error: unknown, log: (message: string) => void): Reply {
  try {
    if (error instanceof UserFacingError) return { ok: false, error: { code: error.code, message: error.message } };
    const message = error instanceof Error ? String(error.message) : typeof error === 'string' ? error : (JSON.stringify(error) ?? typeof error);
    log(`${name} failed: ${error instanceof Error ? String(error.stack ?? message) : message}`);
    return { ok: false, error: { code: 'internal', message } };
  } catch {
    return { ok: false, error: { code: 'internal', message: `${name} failed with an unreadable error.` } };
  }
}

/**
 * The boundary of main: checks that a call names the contract and that its input matches the schema,
 * then runs the handler and turns every failure into a `Reply`. It never throws or rejects, whatever
 * arrives (a name that is no string, a handler that throws anything), so neither transport can crash on it.
 */
export function createDispatcher(handlers: CallHandlers, log: (message: string) => void = () => undefined) {
  return async function dispatch(name: unknown, input: unknown): Promise<Reply> {
    if (typeof name !== 'string') return { ok: false, error: { code: 'bad-request', message: `A call's name is a string, not ${name === null ? 'null' : typeof name}.` } };
    if (!isCallName(name)) return { ok: false, error: { code: 'unknown-call', message: `Unknown call: ${name.slice(0, 100)}` } };
    try {
      const parsed = calls[name].input.safeParse(input);
      if (!parsed.success) {
        const tooLarge = sizeLimitMessage(parsed.error);
        if (tooLarge) return { ok: false, error: { code: TOO_LARGE, message: tooLarge } };
        return { ok: false, error: { code: 'bad-request', message: `Bad request to ${name}: ${describeValidation(parsed.error)}` } };
      }
      const handler = handlers[name] as (value: unknown) => Promise<unknown>;
      return { ok: true, value: await handler(parsed.data) };
    } catch (error) {
      return failure(name, error, log);
    }
  };
}

export type Dispatch = ReturnType<typeof createDispatcher>;
