// @vitest-environment happy-dom
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiContext } from '../../../renderer/app/context';
import { AssistantStatusBar, ContextInspector, assistantStore } from '../../../renderer/assistant';
import { resetAssistantStore } from '../../../renderer/assistant/assistantStore';
import { FakeApi, fakeReport } from './fakeApi';
import './helpers';

function renderWith(fake: FakeApi, ui: React.ReactNode) {
  return render(<ApiContext value={fake}>{ui}</ApiContext>);
}

const doc = (title: string, state: 'resident' | 'shifted' | 'memory' | 'disk' | 'computed' | 'left-out' | 'error', tokens = 100, reason: string | null = null) => ({
  id: `id-${title}`, title, kind: 'text' as const, pinned: false, tokens, state, reason,
});

beforeEach(() => resetAssistantStore());

describe('ContextInspector', () => {
  it('says there is no suggestion yet', () => {
    renderWith(new FakeApi(), <ContextInspector />);
    expect(within(screen.getByRole('region', { name: 'Context inspector' })).getByText(/No suggestion yet/)).toBeTruthy();
  });

  it('lists the documents in order with their tokens and block state, the prompt at the cursor, mode and speed', () => {
    renderWith(new FakeApi(), <ContextInspector />);
    act(() =>
      assistantStore.setState({
        report: fakeReport({
          documents: [
            doc('api.md', 'memory', 812), doc('notes', 'computed', 40), doc('old.ts', 'disk'), doc('moved.ts', 'shifted'),
            doc('kept.ts', 'resident'), doc('huge.log', 'left-out', 9000, 'over the budget'), doc('bad.bin', 'error'),
          ],
          cursorPrefix: 'const total = ',
          cursorSuffix: ';\n}',
          mode: 'sparse',
          timeToFirstTokenMs: 42.5,
          tokensPerSecond: 31.25,
        }),
        timing: { debounceMs: 40, roundTripMs: 61 },
      }),
    );
    const inspector = screen.getByRole('region', { name: 'Context inspector' });
    const items = within(within(inspector).getByRole('list', { name: 'Documents' })).getAllByRole('listitem');
    expect(items.map((item) => item.getAttribute('aria-label'))).toEqual(['api.md', 'notes', 'old.ts', 'moved.ts', 'kept.ts', 'huge.log', 'bad.bin']);
    const badges = items.map((item) => item.querySelector('.badge')!.textContent);
    expect(badges).toEqual(['memory', 'computed', 'disk', 'in place', 'in place', 'left out', 'error']);
    expect(items[0]!.textContent).toContain('812 tokens');
    expect(items[5]!.textContent).toContain('over the budget');
    const prompt = within(inspector).getByRole('figure', { name: 'Prompt at the cursor' });
    expect(prompt.textContent).toBe('const total = ▌;\n}');
    expect(inspector.textContent).toContain('sparse');
    expect(inspector.textContent).toContain('Time to first token43 ms');
    expect(inspector.textContent).toContain('31.3 tokens/s');
    expect(inspector.textContent).toContain('61 ms');
  });

  it('says what token healing left out of the prompt, its whitespace visible, and nothing when it left out nothing', () => {
    renderWith(new FakeApi(), <ContextInspector />);
    act(() => assistantStore.setState({ report: fakeReport({ cursorPrefix: 'return ', healedText: ' ' }) }));
    const inspector = screen.getByRole('region', { name: 'Context inspector' });
    expect(inspector.textContent).toContain('Token healingthe prompt stops before “␣”, which the model writes again');
    act(() => assistantStore.setState({ report: fakeReport({ cursorPrefix: 'return ' }) }));
    expect(inspector.textContent).not.toContain('Token healing');
  });

  it('shows what attention injection did: the heads replaced, the use-def edges found, the rows injected', () => {
    renderWith(new FakeApi(), <ContextInspector />);
    const inspector = screen.getByRole('region', { name: 'Context inspector' });
    act(() => assistantStore.setState({ report: fakeReport() }));
    expect(within(inspector).queryByRole('region', { name: 'Attention injection' })).toBeNull();
    act(() =>
      assistantStore.setState({
        report: fakeReport({
          injection: {
            heads: [{ layer: 0, head: 1, pattern: 'previous-token' }, { layer: 2, head: 3, pattern: 'use-def' }],
            edges: [
              { name: 'total', use: { line: 12, column: 4 }, def: { file: 'src/main.ts', line: 3, column: 6 } },
              { name: 'parse', use: { line: 13, column: 10 }, def: { file: 'csv.ts', line: 1, column: 16 } },
            ],
            edgeCount: 250,
            injectedRows: 96,
          },
        }),
      }),
    );
    const injection = within(inspector).getByRole('region', { name: 'Attention injection' });
    expect(within(within(injection).getByRole('list', { name: 'Heads replaced' })).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      '0.1 → previous-token', '2.3 → use-def',
    ]);
    expect(within(within(injection).getByRole('list', { name: 'Use-def edges' })).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'total 12:4 → src/main.ts:3', 'parse 13:10 → csv.ts:1',
    ]);
    expect(injection.textContent).toContain('96 rows injected in 2 heads; 250 use-def edges found (the first 2 listed).');
  });

  it('shows the background encoding from the assistant.encoding event', async () => {
    const fake = new FakeApi();
    renderWith(fake, <ContextInspector />);
    act(() => fake.emit('assistant.encoding', { journalId: 'j', stepId: 's', done: 2, total: 5, current: 'api.md' }));
    expect(screen.getByRole('region', { name: 'Context inspector' }).textContent).toContain('Encoding 2/5: api.md');
  });
});

describe('AssistantStatusBar', () => {
  it('shows the model, the device and the engine state read at start', async () => {
    const fake = new FakeApi();
    renderWith(fake, <AssistantStatusBar />);
    const bar = screen.getByRole('contentinfo', { name: 'Assistant status' });
    expect(await within(bar).findByText('Tiny Coder')).toBeTruthy();
    expect(within(bar).getByText('CPU')).toBeTruthy();
    expect(within(bar).getByText('ready')).toBeTruthy();
  });

  it('follows assistant.status events: loading, GPU, an error with its message, no model, encoding', async () => {
    const fake = new FakeApi();
    renderWith(fake, <AssistantStatusBar />);
    const bar = screen.getByRole('contentinfo', { name: 'Assistant status' });
    await within(bar).findByText('ready');
    const model = fake.assistantStatus.model;
    act(() => fake.emit('assistant.status', { state: 'loading', model, device: 'gpu', message: null }));
    expect(within(bar).getByText('loading')).toBeTruthy();
    expect(within(bar).getByText('GPU')).toBeTruthy();
    act(() => fake.emit('assistant.status', { state: 'error', model, device: 'cpu', message: 'not a GGUF file: bad magic' }));
    expect(within(bar).getByText('error: not a GGUF file: bad magic')).toBeTruthy();
    act(() => fake.emit('assistant.status', { state: 'no-model', model: null, device: 'cpu', message: null }));
    expect(within(bar).getByText('no model')).toBeTruthy();
    expect(within(bar).getByText('No model')).toBeTruthy();
    act(() => fake.emit('assistant.encoding', { journalId: 'j', stepId: 's', done: 2, total: 5, current: 'x' }));
    expect(within(bar).getByText('Encoding 2/5')).toBeTruthy();
    act(() => fake.emit('assistant.encoding', { journalId: 'j', stepId: 's', done: 5, total: 5, current: null }));
    expect(within(bar).queryByText(/Encoding/)).toBeNull();
  });

  it('says why when the status cannot be read', async () => {
    const fake = new FakeApi();
    fake.failNext('assistant.status', 'assistant service unavailable');
    renderWith(fake, <AssistantStatusBar />);
    expect(await screen.findByText('error: assistant service unavailable')).toBeTruthy();
  });

  it('opens the model manager from Models, and closes it', async () => {
    renderWith(new FakeApi(), <AssistantStatusBar />);
    fireEvent.click(within(screen.getByRole('contentinfo', { name: 'Assistant status' })).getByRole('button', { name: 'Models' }));
    const dialog = await screen.findByRole('dialog', { name: 'Models' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('dialog', { name: 'Models' })).toBeNull();
  });

  it('subscribes once for several panels and unsubscribes when the last unmounts', async () => {
    const fake = new FakeApi();
    const view = renderWith(fake, <><AssistantStatusBar /><ContextInspector /></>);
    expect(fake.listenerCount()).toBe(2);
    expect(fake.inputsOf('assistant.status')).toHaveLength(1);
    view.unmount();
    expect(fake.listenerCount()).toBe(0);
  });
});
