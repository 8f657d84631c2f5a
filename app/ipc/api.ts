import type { Disposable } from '../../base/common/lifecycle';
import type { CallInput, CallName, CallOutput, EventName, EventPayload } from './contract';

export type { Disposable };

/**
 * What the renderer sees of main: one interface, two transports (Electron IPC through the preload,
 * a WebSocket in browser mode). Errors thrown in main arrive as `RemoteError` with the same code and message.
 */
export interface SteerwayApi {
  call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): Disposable;
  /** Browser mode: hears when the server is lost (false) and when the same server is reached again (true). IPC has no such state. */
  onConnection?(listener: (connected: boolean) => void): Disposable;
}

/** The shape of a reply on the wire, for both transports. */
export type Reply =
  | { ok: true; value: unknown }
  | { ok: false; error: { code: string; message: string } };

export class RemoteError extends Error {
  override readonly name = 'RemoteError';
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export function unwrapReply(reply: Reply): unknown {
  if (reply.ok) return reply.value;
  throw new RemoteError(reply.error.code, reply.error.message);
}

/** The WebSocket protocol of browser mode: the same calls and events, framed as JSON text of at most `MAX_FRAME_BYTES` (limits.ts). */
export type ClientFrame = { id: number; call: CallName; input: unknown };
export type ServerFrame =
  | { id: number; reply: Reply }
  | { event: EventName; payload: unknown };
