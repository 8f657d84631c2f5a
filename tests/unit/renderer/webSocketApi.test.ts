import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RemoteError } from '../../../app/ipc/api';
import { RECONNECT_FIRST_MS, WebSocketApi } from '../../../renderer/api/connect';

/** A browser WebSocket the test opens and closes by hand; each `new WebSocket` is one connection attempt. */
class FakeSocket {
  static made: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onmessage: ((message: { data: string }) => void) | null = null;
  sent: string[] = [];
  constructor(readonly url: string) {
    FakeSocket.made.push(this);
  }
  send(text: string) {
    this.sent.push(text);
  }
  open() {
    this.onopen?.();
  }
  drop() {
    this.onclose?.();
  }
}

describe('browser-mode socket: losing and finding the server', () => {
  beforeEach(() => {
    FakeSocket.made = [];
    vi.useFakeTimers();
    vi.stubGlobal('WebSocket', FakeSocket);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('connects without a token in the URL (the cookie carries it)', () => {
    const api = new WebSocketApi('ws://127.0.0.1:5000/api');
    api.on('assistant.status', () => undefined);
    expect(FakeSocket.made.map((s) => s.url)).toEqual(['ws://127.0.0.1:5000/api']);
  });

  it('says disconnected when the socket drops, retries with growing waits, and says connected when one opens', async () => {
    const api = new WebSocketApi('ws://127.0.0.1:5000/api');
    const heard: boolean[] = [];
    api.onConnection((connected) => heard.push(connected));
    api.on('assistant.status', () => undefined);
    FakeSocket.made[0]!.open();
    const inFlight = api.call('workspace.info', {});
    await vi.advanceTimersByTimeAsync(0);
    FakeSocket.made[0]!.drop();
    await expect(inFlight).rejects.toBeInstanceOf(RemoteError);
    expect(heard).toEqual([false]);

    // The first retry comes after RECONNECT_FIRST_MS and is refused; the next waits twice as long.
    await vi.advanceTimersByTimeAsync(RECONNECT_FIRST_MS);
    expect(FakeSocket.made).toHaveLength(2);
    FakeSocket.made[1]!.drop();
    await vi.advanceTimersByTimeAsync(2 * RECONNECT_FIRST_MS - 1);
    expect(FakeSocket.made).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.made).toHaveLength(3);
    expect(heard).toEqual([false]);

    FakeSocket.made[2]!.open();
    expect(heard).toEqual([false, true]);
    // Calls go over the new socket.
    const call = api.call('workspace.info', {});
    await vi.advanceTimersByTimeAsync(0);
    const frame = JSON.parse(FakeSocket.made[2]!.sent[0]!) as { id: number };
    FakeSocket.made[2]!.onmessage?.({ data: JSON.stringify({ id: frame.id, reply: { ok: true, value: { path: null, name: null, journals: [] } } }) });
    await expect(call).resolves.toEqual({ path: null, name: null, journals: [] });
  });

  it('an event listener that throws keeps neither the other listeners nor the next frames from their event', () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const api = new WebSocketApi('ws://127.0.0.1:5000/api');
    api.on('assistant.status', () => {
      throw new Error('a view broke');
    });
    const heard: unknown[] = [];
    api.on('assistant.status', (payload) => heard.push(payload));
    const socket = FakeSocket.made[0]!;
    socket.open();
    const frame = (state: string) => ({ data: JSON.stringify({ event: 'assistant.status', payload: { state } }) });
    expect(() => socket.onmessage?.(frame('loading'))).not.toThrow();
    socket.onmessage?.(frame('ready'));
    expect(heard).toEqual([{ state: 'loading' }, { state: 'ready' }]);
    expect(errors).toHaveBeenCalledTimes(2);
    errors.mockRestore();
  });
});
