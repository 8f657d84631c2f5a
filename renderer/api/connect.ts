import type { ClientFrame, Disposable, Reply, ServerFrame, SteerwayApi } from '../../app/ipc/api';
import { RemoteError, unwrapReply } from '../../app/ipc/api';
import type { CallName, EventName } from '../../app/ipc/contract';
import { Emitter } from '../../base/common/event';
import { MAX_FRAME_BYTES, requestTooLarge, TOO_LARGE, utf8Exceeds } from '../../app/ipc/limits';

/** What the Electron preload puts on `window.steerway` (see main/electron/preload.ts). */
export interface PreloadBridge {
  call(name: string, input: unknown): Promise<Reply>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

declare global {
  interface Window {
    steerway?: PreloadBridge;
  }
}

type Listener = (payload: unknown) => void;

/** One Emitter per event name: a listener that throws never keeps a frame from the others. */
class ListenerSet {
  private readonly byEvent = new Map<string, Emitter<unknown>>();
  add(event: string, listener: Listener): Disposable {
    const emitter = this.byEvent.get(event) ?? new Emitter<unknown>();
    this.byEvent.set(event, emitter);
    return emitter.event(listener);
  }
  emit(event: string, payload: unknown): void {
    this.byEvent.get(event)?.fire(payload);
  }
}

/** Electron: the preload's bridge already speaks the contract. */
function electronApi(bridge: PreloadBridge): SteerwayApi {
  return {
    call: async (name, input) => unwrapReply(await bridge.call(name, input)) as never,
    on: (event, listener) => {
      const off = bridge.on(event, listener as Listener);
      return { dispose: off };
    },
  };
}

/** After a drop the socket reconnects, waiting this long first and twice as long after each failed try, up to the cap. */
export const RECONNECT_FIRST_MS = 500;
export const RECONNECT_MAX_MS = 8_000;

/**
 * Browser mode: the same contract over a WebSocket to the local server, reconnecting with backoff if it drops.
 * The access token travels in the server's HttpOnly cookie, so only the server that set it (this run) accepts the
 * socket again: a restarted Steerway has a new token and its new URL must be opened.
 */
export class WebSocketApi implements SteerwayApi {
  private opened: Promise<WebSocket> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private readonly listeners = new ListenerSet();
  private readonly connectionChanged = new Emitter<boolean>();
  private lost = false;
  private retryMs = RECONNECT_FIRST_MS;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly endpoint: string) {}

  private connect(): Promise<WebSocket> {
    if (this.opened) return this.opened;
    this.opened = new Promise((resolve, reject) => {
      const socket = new WebSocket(this.endpoint);
      socket.onopen = () => {
        this.retryMs = RECONNECT_FIRST_MS;
        this.setLost(false);
        resolve(socket);
      };
      socket.onmessage = (message) => this.receive(JSON.parse(String(message.data)) as ServerFrame);
      socket.onclose = () => {
        this.opened = null;
        for (const { reject: fail } of this.pending.values()) fail(new RemoteError('disconnected', 'Lost the connection to Steerway.'));
        this.pending.clear();
        reject(new RemoteError('disconnected', 'Cannot reach Steerway: is it still running?'));
        this.setLost(true);
        this.scheduleReconnect();
      };
    });
    return this.opened;
  }

  private setLost(lost: boolean): void {
    if (this.lost === lost) return;
    this.lost = lost;
    this.connectionChanged.fire(!lost);
  }

  /** One retry at a time; a call made meanwhile tries at once (and fails fast while the server is gone). */
  private scheduleReconnect(): void {
    if (this.retryTimer !== undefined) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, RECONNECT_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect().catch(() => undefined);
    }, delay);
  }

  onConnection(listener: (connected: boolean) => void): Disposable {
    return this.connectionChanged.event(listener);
  }

  private receive(frame: ServerFrame): void {
    if ('event' in frame) {
      this.listeners.emit(frame.event, frame.payload);
      return;
    }
    const waiter = this.pending.get(frame.id);
    this.pending.delete(frame.id);
    waiter?.resolve(frame.reply);
  }

  async call<K extends CallName>(name: K, input: unknown): Promise<never> {
    const id = this.nextId++;
    const frame = JSON.stringify({ id, call: name, input } satisfies ClientFrame);
    // The server closes the socket on a frame over its limit, failing every call in flight: refuse it here instead.
    if (utf8Exceeds(frame, MAX_FRAME_BYTES)) throw new RemoteError(TOO_LARGE, requestTooLarge);
    const socket = await this.connect();
    const reply = await new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      socket.send(frame);
    });
    return unwrapReply(reply) as never;
  }

  on<E extends EventName>(event: E, listener: (payload: never) => void): Disposable {
    // Events flow only over an open socket: connect now so a subscriber hears them without making a call first.
    void this.connect().catch(() => undefined);
    return this.listeners.add(event, listener as Listener);
  }
}

/** The API for this window: Electron's bridge when the preload provided one, otherwise the browser-mode socket. */
export function connectApi(): SteerwayApi {
  if (window.steerway) return electronApi(window.steerway);
  const protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return new WebSocketApi(`${protocol}//${window.location.host}/api`) as SteerwayApi;
}
