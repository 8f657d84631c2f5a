import { describe, expect, it, vi } from 'vitest';
import { Emitter } from '../../../../base/common/event';
import { DisposableStore, toDisposable } from '../../../../base/common/lifecycle';

describe('Emitter', () => {
  it('calls each listener with the value, until its subscription is disposed', () => {
    const emitter = new Emitter<number>();
    const a = vi.fn();
    const b = vi.fn();
    const subA = emitter.event(a);
    emitter.event(b);
    emitter.fire(1);
    subA.dispose();
    emitter.fire(2);
    expect(a.mock.calls).toEqual([[1]]);
    expect(b.mock.calls).toEqual([[1], [2]]);
  });

  it('unsubscribes one handle at a time when the same function subscribed twice', () => {
    const emitter = new Emitter<string>();
    const listener = vi.fn();
    const first = emitter.event(listener);
    emitter.event(listener);
    first.dispose();
    first.dispose();
    emitter.fire('x');
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('a listener that throws neither stops the others nor reaches the code that fired', () => {
    const errors: unknown[] = [];
    const emitter = new Emitter<number>((error) => errors.push(error));
    const after = vi.fn();
    emitter.event(() => {
      throw new Error('boom');
    });
    emitter.event(after);
    expect(() => emitter.fire(7)).not.toThrow();
    expect(after).toHaveBeenCalledWith(7);
    expect(errors).toEqual([new Error('boom')]);
  });

  it('a listener removed while firing does not stop that fire; one added meanwhile hears the next', () => {
    const emitter = new Emitter<number>();
    const late = vi.fn();
    const second = vi.fn();
    const sub = emitter.event(() => {
      sub.dispose();
      emitter.event(late);
    });
    emitter.event(second);
    emitter.fire(1);
    emitter.fire(2);
    expect(second.mock.calls).toEqual([[1], [2]]);
    expect(late.mock.calls).toEqual([[2]]);
  });

  it('once disposed, drops its listeners and ignores new ones', () => {
    const emitter = new Emitter<number>();
    const listener = vi.fn();
    emitter.event(listener);
    emitter.dispose();
    emitter.event(listener);
    emitter.fire(1);
    expect(listener).not.toHaveBeenCalled();
    expect(emitter.hasListeners).toBe(false);
  });
});

describe('DisposableStore', () => {
  it('disposing it removes the listeners it holds', () => {
    const emitter = new Emitter<number>();
    const store = new DisposableStore();
    const listener = vi.fn();
    store.add(emitter.event(listener));
    store.add(emitter.event(listener));
    emitter.fire(1);
    store.dispose();
    emitter.fire(2);
    expect(listener.mock.calls).toEqual([[1], [1]]);
    expect(emitter.hasListeners).toBe(false);
  });

  it('disposes each item once, and at once what is added after it is disposed', () => {
    const store = new DisposableStore();
    const first = vi.fn();
    store.add(toDisposable(first));
    store.dispose();
    store.dispose();
    const late = vi.fn();
    store.add(toDisposable(late));
    expect(first).toHaveBeenCalledTimes(1);
    expect(late).toHaveBeenCalledTimes(1);
    expect(store.isDisposed).toBe(true);
  });

  it('an item that throws on dispose does not keep the others', () => {
    const store = new DisposableStore();
    const other = vi.fn();
    store.add(toDisposable(() => {
      throw new Error('stuck');
    }));
    store.add(toDisposable(other));
    expect(() => store.dispose()).toThrow('stuck');
    expect(other).toHaveBeenCalledTimes(1);
  });
});
