// Typed events, as VS Code's base/common/event: the owner of an Emitter fires; others subscribe through its
// `event` and get a Disposable that unsubscribes.
import { toDisposable, type Disposable } from './lifecycle';

/** Subscribes `listener`; dispose the result to unsubscribe. */
export type Event<T> = (listener: (value: T) => void) => Disposable;

export class Emitter<T> implements Disposable {
  private listeners: ((value: T) => void)[] = [];
  private disposed = false;

  /**
   * @param onListenerError Where a listener's exception goes: it never stops the listeners after it, nor reaches
   *   the code that fired. Logged by default.
   */
  constructor(private readonly onListenerError: (error: unknown) => void = (error) => console.error('[event] a listener failed:', error)) {}

  readonly event: Event<T> = (listener) => {
    if (this.disposed) return toDisposable(() => undefined);
    // A wrapper per subscription, so the same function subscribed twice is unsubscribed once per handle.
    const entry = (value: T) => listener(value);
    this.listeners = [...this.listeners, entry];
    return toDisposable(() => {
      this.listeners = this.listeners.filter((l) => l !== entry);
    });
  };

  /** Calls every listener subscribed now (one that subscribes or unsubscribes meanwhile changes the next fire). */
  fire(value: T): void {
    for (const listener of this.listeners) {
      try {
        listener(value);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  get hasListeners(): boolean {
    return this.listeners.length > 0;
  }

  /** Drops every listener; later subscriptions are ignored and fires reach no one. */
  dispose(): void {
    this.disposed = true;
    this.listeners = [];
  }
}
