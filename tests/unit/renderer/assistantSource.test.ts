import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallInput, CallOutput } from '../../../app/ipc/contract';
import { PREFIX_CHARS } from '../../../app/completion/query';
import {
  AdaptiveDebounce, INITIAL_DEBOUNCE_MS, SuggestionSource, isMultiline, type CursorText,
} from '../../../renderer/assistant/suggestionSource';
import { FakeApi, fakeReport } from './fakeApi';

type Answer = CallOutput<'assistant.complete'>;

/** `assistant.complete` answers held until the test releases them. */
function holdAnswers(fake: FakeApi) {
  const held: { input: CallInput<'assistant.complete'>; answer(text: string): void }[] = [];
  fake.complete = (input) =>
    new Promise<Answer>((resolve) => {
      held.push({ input, answer: (text) => resolve({ requestId: input.requestId, text, report: fakeReport({ requestId: input.requestId }) }) });
    });
  return held;
}

const at = (prefix: string, suffix = '\n', path = 'src/a.ts'): CursorText => ({ path, prefix, suffix });

function setup(answerText = 'Value(x);') {
  const fake = new FakeApi();
  fake.complete = (input) => ({ requestId: input.requestId, text: answerText, report: fakeReport({ requestId: input.requestId }) });
  let clock = 0;
  const reports: unknown[] = [];
  const more = { count: 0 };
  const source = new SuggestionSource({
    api: fake, journalId: () => 'j1', stepId: () => 's1', now: () => clock, onReport: (report, timing) => reports.push({ report, timing }), onMoreText: () => more.count++,
  });
  return { fake, source, reports, more, tick: (ms: number) => (clock += ms) };
}

async function suggestNow(source: SuggestionSource, text: CursorText): Promise<string | null> {
  const pending = source.suggest(text, new AbortController().signal);
  await vi.runAllTimersAsync();
  return pending;
}

describe('SuggestionSource', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('waits the debounce before asking, then asks with the text around the cursor and the journal', async () => {
    const { fake, source } = setup();
    const pending = source.suggest(at('const v = get', ';\n'), new AbortController().signal);
    await vi.advanceTimersByTimeAsync(INITIAL_DEBOUNCE_MS - 1);
    expect(fake.inputsOf('assistant.complete')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await pending).toBe('Value(x);');
    expect(fake.inputsOf('assistant.complete')).toEqual([
      expect.objectContaining({ journalId: 'j1', stepId: 's1', path: 'src/a.ts', prefix: 'const v = get', suffix: ';\n', multiline: false }),
    ]);
  });

  it('counts the debounce from when the text changed: an ask that came late waits only the rest, one past it none', async () => {
    const { fake, source, tick } = setup();
    tick(1_000);
    const late = source.suggest(at('const v = '), new AbortController().signal, { askedAt: 1_000 - 50 });
    await vi.advanceTimersByTimeAsync(INITIAL_DEBOUNCE_MS - 50 - 1);
    expect(fake.inputsOf('assistant.complete')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await late).toBe('Value(x);');
    const past = source.suggest(at('let w = '), new AbortController().signal, { askedAt: 1_000 - INITIAL_DEBOUNCE_MS - 5 });
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.inputsOf('assistant.complete')).toHaveLength(2);
    expect(await past).toBe('Value(x);');
  });

  it('bounds the prefix it sends', async () => {
    const { fake, source } = setup();
    await suggestNow(source, at('x'.repeat(PREFIX_CHARS + 500)));
    expect(fake.inputsOf('assistant.complete')[0]!.prefix).toHaveLength(PREFIX_CHARS);
  });

  it('a keystroke during the debounce sends nothing', async () => {
    const { fake, source } = setup();
    const keystroke = new AbortController();
    const pending = source.suggest(at('const v = '), keystroke.signal);
    await vi.advanceTimersByTimeAsync(10);
    keystroke.abort();
    await vi.runAllTimersAsync();
    expect(await pending).toBeNull();
    expect(fake.inputsOf('assistant.complete')).toEqual([]);
  });

  it('a keystroke cancels the request in flight, and its late answer is never shown', async () => {
    const { fake, source } = setup();
    const held = holdAnswers(fake);
    const keystroke = new AbortController();
    const pending = source.suggest(at('const v = '), keystroke.signal);
    await vi.advanceTimersByTimeAsync(INITIAL_DEBOUNCE_MS);
    expect(held).toHaveLength(1);
    keystroke.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.inputsOf('assistant.cancel')).toEqual([{ requestId: held[0]!.input.requestId }]);
    held[0]!.answer('late');
    expect(await pending).toBeNull();
  });

  it('a second ask for the same text joins the request in flight; it is cancelled only when both leave', async () => {
    const { fake, source } = setup();
    const held = holdAnswers(fake);
    const first = new AbortController();
    const second = new AbortController();
    const one = source.suggest(at('const v = '), first.signal);
    await vi.advanceTimersByTimeAsync(INITIAL_DEBOUNCE_MS);
    const two = source.suggest(at('const v = '), second.signal);
    first.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.inputsOf('assistant.cancel')).toEqual([]);
    held[0]!.answer('done');
    expect(await one).toBeNull();
    expect(await two).toBe('done');
    expect(held).toHaveLength(1);

    const third = new AbortController();
    const fourth = new AbortController();
    const three = source.suggest(at('let w = '), third.signal);
    const four = source.suggest(at('let w = '), fourth.signal);
    await vi.advanceTimersByTimeAsync(INITIAL_DEBOUNCE_MS);
    third.abort();
    fourth.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.inputsOf('assistant.cancel')).toEqual([{ requestId: held[1]!.input.requestId }]);
    expect([await three, await four]).toEqual([null, null]);
    // Asked again after both left: a fresh request, not the cancelled one.
    const five = source.suggest(at('let w = '), new AbortController().signal);
    await vi.advanceTimersByTimeAsync(INITIAL_DEBOUNCE_MS);
    expect(held).toHaveLength(3);
    held[2]!.answer('fresh');
    expect(await five).toBe('fresh');
  });

  it('a caller that leaves with its text unchanged does not cancel: the next ask for that text joins the request, or reads its answer', async () => {
    const { fake, source } = setup();
    const held = holdAnswers(fake);
    const dropped = new AbortController();
    const one = source.suggest(at('const v = '), dropped.signal, { stillCurrent: () => true });
    await vi.advanceTimersByTimeAsync(INITIAL_DEBOUNCE_MS);
    dropped.abort();
    expect(await one).toBeNull();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.inputsOf('assistant.cancel')).toEqual([]);
    // Asked again while the engine works: joins it.
    const two = source.suggest(at('const v = '), new AbortController().signal);
    held[0]!.answer('kept()');
    expect(await two).toBe('kept()');
    // Left again, then answered unattended: the answer is in the cache.
    const left = new AbortController();
    const three = source.suggest(at('let w = '), left.signal, { stillCurrent: () => true });
    await vi.advanceTimersByTimeAsync(INITIAL_DEBOUNCE_MS);
    left.abort();
    expect(await three).toBeNull();
    held[1]!.answer('cached()');
    await vi.advanceTimersByTimeAsync(0);
    expect(await source.suggest(at('let w = '), new AbortController().signal)).toBe('cached()');
    expect(held).toHaveLength(2);
    expect(fake.inputsOf('assistant.cancel')).toEqual([]);
  });

  it('an ask for other text cancels the request nobody waits for; one still in its debounce is never sent', async () => {
    const { fake, source } = setup();
    const held = holdAnswers(fake);
    const dropped = new AbortController();
    void source.suggest(at('const v = '), dropped.signal, { stillCurrent: () => true });
    await vi.advanceTimersByTimeAsync(INITIAL_DEBOUNCE_MS);
    dropped.abort();
    void source.suggest(at('const v = x'), new AbortController().signal);
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.inputsOf('assistant.cancel')).toEqual([{ requestId: held[0]!.input.requestId }]);

    const inDebounce = new AbortController();
    void source.suggest(at('let a = '), inDebounce.signal, { stillCurrent: () => true });
    inDebounce.abort();
    void source.suggest(at('let a = 1'), new AbortController().signal);
    await vi.runAllTimersAsync();
    expect(held.map((h) => h.input.prefix)).toEqual(['const v = ', 'const v = x', 'let a = 1']);
  });

  it('answers again at the place of the last suggestion without a request; back at a place it left, main is asked (it keeps the recent answers)', async () => {
    const { fake, source } = setup();
    expect(await suggestNow(source, at('const v = get'))).toBe('Value(x);');
    expect(await source.suggest(at('const v = get'), new AbortController().signal)).toBe('Value(x);');
    expect(fake.inputsOf('assistant.complete')).toHaveLength(1);
    // Elsewhere, then back.
    fake.complete = (input) => ({ requestId: input.requestId, text: 'other()', report: fakeReport() });
    expect(await suggestNow(source, at('let w = '))).toBe('other()');
    expect(await suggestNow(source, at('const v = get'))).toBe('other()');
    expect(fake.inputsOf('assistant.complete')).toHaveLength(3);
  });

  it('a suggestion belongs to its file: the same text in another file asks again', async () => {
    const { fake, source } = setup();
    await suggestNow(source, at('const v = get', '\n', 'src/a.ts'));
    await suggestNow(source, at('const v = get', '\n', 'src/b.ts'));
    expect(fake.inputsOf('assistant.complete')).toHaveLength(2);
  });

  it('streams: the first text shows as soon as it is generated, each ask again gets the newest, then the whole answer', async () => {
    const { fake, source, more } = setup();
    const held = holdAnswers(fake);
    const first = source.suggest(at('const v = get'), new AbortController().signal);
    await vi.advanceTimersByTimeAsync(INITIAL_DEBOUNCE_MS);
    const { requestId } = held[0]!.input;
    fake.emit('assistant.partial', { requestId: 'someone-else', text: 'Nope' });
    fake.emit('assistant.partial', { requestId, text: 'Value(' });
    expect(await first).toBe('Value(');
    expect(more.count).toBe(0);
    fake.emit('assistant.partial', { requestId, text: 'Value(x' });
    expect(more.count).toBe(1);
    // Monaco asks again at the same text: the newest text, from the same request.
    expect(await source.suggest(at('const v = get'), new AbortController().signal)).toBe('Value(x');
    held[0]!.answer('Value(x);');
    await vi.advanceTimersByTimeAsync(0);
    expect(more.count).toBe(2);
    expect(await source.suggest(at('const v = get'), new AbortController().signal)).toBe('Value(x);');
    // Type-through works on the whole answer.
    expect(await source.suggest(at('const v = getVal'), new AbortController().signal)).toBe('ue(x);');
    expect(fake.inputsOf('assistant.complete')).toHaveLength(1);
  });

  it('a keystroke while the suggestion streams cancels it: no more text is taken', async () => {
    const { fake, source, more } = setup();
    const held = holdAnswers(fake);
    const first = source.suggest(at('const v = '), new AbortController().signal, { stillCurrent: () => true });
    await vi.advanceTimersByTimeAsync(INITIAL_DEBOUNCE_MS);
    const { requestId } = held[0]!.input;
    fake.emit('assistant.partial', { requestId, text: 'compute(' });
    expect(await first).toBe('compute(');
    // The next keystroke's ask, for other text.
    void source.suggest(at('const v = 1'), new AbortController().signal);
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.inputsOf('assistant.cancel')).toEqual([{ requestId }]);
    fake.emit('assistant.partial', { requestId, text: 'compute(a' });
    held[0]!.answer('compute(a, b);');
    await vi.advanceTimersByTimeAsync(0);
    expect(more.count).toBe(0);
  });

  it('typing the start of the shown suggestion keeps its rest, without a request', async () => {
    const { fake, source } = setup();
    expect(await suggestNow(source, at('const v = get'))).toBe('Value(x);');
    expect(await source.suggest(at('const v = getVal'), new AbortController().signal)).toBe('ue(x);');
    expect(await source.suggest(at('const v = getValue('), new AbortController().signal)).toBe('x);');
    expect(fake.inputsOf('assistant.complete')).toHaveLength(1);
  });

  it('typing something else than the suggestion asks again', async () => {
    const { fake, source } = setup();
    await suggestNow(source, at('const v = get'));
    await suggestNow(source, at('const v = getX'));
    expect(fake.inputsOf('assistant.complete').map((i) => i.prefix)).toEqual(['const v = get', 'const v = getX']);
  });

  it('type-through holds for long files, whose bounded prefix shifts with each character', async () => {
    const { fake, source } = setup();
    const head = 'y'.repeat(PREFIX_CHARS + 100);
    await suggestNow(source, at(`${head}get`));
    expect(await source.suggest(at(`${head}getVa`), new AbortController().signal)).toBe('lue(x);');
    expect(fake.inputsOf('assistant.complete')).toHaveLength(1);
  });

  it('an empty or blank answer is no suggestion', async () => {
    const { source } = setup('  \n');
    expect(await suggestNow(source, at('const v = '))).toBeNull();
  });

  it('reports what the model saw with the debounce and the round trip', async () => {
    const { fake, source, reports, tick } = setup();
    fake.complete = async (input) => {
      tick(120);
      return { requestId: input.requestId, text: 'a', report: fakeReport({ requestId: input.requestId }) };
    };
    await suggestNow(source, at('q'));
    expect(reports).toEqual([{ report: expect.objectContaining({ requestId: fake.inputsOf('assistant.complete')[0]!.requestId }), timing: { debounceMs: INITIAL_DEBOUNCE_MS, roundTripMs: 120 } }]);
  });

  it('adapts the debounce to the engine latency it measures', async () => {
    const { fake, source, tick } = setup();
    fake.complete = async (input) => {
      tick(400);
      return { requestId: input.requestId, text: 'a', report: fakeReport() };
    };
    await suggestNow(source, at('one'));
    expect(source.debounce.ms).toBe(200);
    fake.complete = async (input) => {
      tick(20);
      return { requestId: input.requestId, text: 'a', report: fakeReport() };
    };
    for (const p of ['two', 'three', 'four', 'five']) await suggestNow(source, at(p));
    expect(source.debounce.ms).toBeLessThan(INITIAL_DEBOUNCE_MS);
  });

  it('asks for a block on an empty line or after `{`, for a line elsewhere', async () => {
    const { fake, source } = setup();
    await suggestNow(source, at('function f() {', '\n}\n'));
    await suggestNow(source, at('function f() {\n  ', '\n}\n'));
    await suggestNow(source, at('const v = ', ';\n'));
    expect(fake.inputsOf('assistant.complete').map((i) => i.multiline)).toEqual([true, true, false]);
  });
});

describe('AdaptiveDebounce', () => {
  it('starts at the initial wait and follows the median of recent latencies, within bounds', () => {
    const debounce = new AdaptiveDebounce();
    expect(debounce.ms).toBe(INITIAL_DEBOUNCE_MS);
    debounce.record(100);
    expect(debounce.ms).toBe(50);
    debounce.record(100);
    debounce.record(5_000); // one outlier does not move the median far
    expect(debounce.ms).toBe(50);
    for (let i = 0; i < 8; i++) debounce.record(10_000);
    expect(debounce.ms).toBe(300);
    for (let i = 0; i < 8; i++) debounce.record(1);
    expect(debounce.ms).toBe(15);
  });
});

describe('suggestion shape', () => {
  it('multi-line only where a block body starts', () => {
    expect(isMultiline('if (a) {', '')).toBe(true);
    expect(isMultiline('if (a) {', '}')).toBe(true);
    expect(isMultiline('  ', '\nnext')).toBe(true);
    expect(isMultiline('const a = ', ';')).toBe(false);
    expect(isMultiline('', 'foo();')).toBe(false);
  });
});
