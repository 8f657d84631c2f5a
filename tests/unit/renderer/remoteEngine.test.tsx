// @vitest-environment happy-dom
// The remote engine in the page: its settings (the token write-only), the inspector and the status bar saying which engine answers.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiContext } from '../../../renderer/app/context';
import { AssistantStatusBar, ContextInspector, assistantStore } from '../../../renderer/assistant';
import { resetAssistantStore } from '../../../renderer/assistant/assistantStore';
import { AssistantSettingsForm } from '../../../renderer/models/AssistantSettingsForm';
import { FakeApi, fakeReport } from './fakeApi';

afterEach(cleanup);
beforeEach(() => resetAssistantStore());

function renderWith(fake: FakeApi, ui: React.ReactNode) {
  return render(<ApiContext value={fake}>{ui}</ApiContext>);
}

describe('engine settings', () => {
  it('choosing a llama.cpp server sends its URL and token once Use server is pressed', async () => {
    const fake = new FakeApi();
    renderWith(fake, <AssistantSettingsForm />);
    fireEvent.change(await screen.findByRole('combobox', { name: 'Suggestions from' }), { target: { value: 'llama.cpp' } });
    fireEvent.change(screen.getByLabelText('Server URL'), { target: { value: ' http://gpu-box:8080 ' } });
    fireEvent.change(screen.getByLabelText('Token'), { target: { value: 's3cret' } });
    expect(fake.inputsOf('settings.update')).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Use server' }));
    await waitFor(() => expect(fake.inputsOf('settings.update')).toEqual([{ engine: { kind: 'llama.cpp', url: 'http://gpu-box:8080', model: null, token: 's3cret' } }]));
    // Saved: the field is empty again and only says that a token is set.
    await waitFor(() => expect((screen.getByLabelText('Token') as HTMLInputElement).placeholder).toBe('set (leave empty to keep it)'));
    expect((screen.getByLabelText('Token') as HTMLInputElement).value).toBe('');
    expect(screen.getByText(/In use: http:\/\/gpu-box:8080, token set\./)).toBeTruthy();
  });

  it('a saved token is kept when the field stays empty, and can be removed; Local goes back at once', async () => {
    const fake = new FakeApi();
    fake.settings = { ...fake.settings, engine: { kind: 'openai', url: 'http://vllm:8000/v1', model: 'coder', tokenSet: true } };
    renderWith(fake, <AssistantSettingsForm />);
    expect(((await screen.findByLabelText('Model name')) as HTMLInputElement).value).toBe('coder');
    fireEvent.click(screen.getByRole('button', { name: 'Use server' }));
    fireEvent.click(screen.getByRole('button', { name: 'Remove token' }));
    await waitFor(() => expect(fake.inputsOf('settings.update')).toHaveLength(2));
    expect(fake.inputsOf('settings.update')).toEqual([
      { engine: { kind: 'openai', url: 'http://vllm:8000/v1', model: 'coder' } },
      { engine: { kind: 'openai', url: 'http://vllm:8000/v1', model: 'coder', token: null } },
    ]);
    fireEvent.change(screen.getByRole('combobox', { name: 'Suggestions from' }), { target: { value: 'local' } });
    await waitFor(() => expect(fake.settings.engine).toEqual({ kind: 'local' }));
    expect(screen.queryByLabelText('Server URL')).toBeNull();
  });

  it("shows main's refusal of a bad URL", async () => {
    const fake = new FakeApi();
    fake.failNext('settings.update', 'engine.url: The server URL must start with http:// or https://.');
    renderWith(fake, <AssistantSettingsForm />);
    fireEvent.change(await screen.findByRole('combobox', { name: 'Suggestions from' }), { target: { value: 'llama.cpp' } });
    fireEvent.change(screen.getByLabelText('Server URL'), { target: { value: 'ftp://x' } });
    fireEvent.click(screen.getByRole('button', { name: 'Use server' }));
    expect((await screen.findByRole('alert')).textContent).toContain('The server URL must start with http:// or https://.');
  });
});

describe('which engine answered', () => {
  it('the inspector names the server and marks documents as sent', () => {
    renderWith(new FakeApi(), <ContextInspector />);
    act(() =>
      assistantStore.setState({
        report: fakeReport({
          engine: { kind: 'remote', dialect: 'llama.cpp', url: 'http://gpu-box:8080' },
          mode: 'prefix',
          documents: [{ id: 'a', title: 'api.md', kind: 'text', pinned: false, tokens: 300, state: 'sent', reason: null }],
        }),
      }),
    );
    const inspector = screen.getByRole('region', { name: 'Context inspector' });
    expect(within(inspector).getByText('llama.cpp server at http://gpu-box:8080')).toBeTruthy();
    expect(within(within(inspector).getByRole('listitem', { name: 'api.md' })).getByText('sent')).toBeTruthy();
    act(() => assistantStore.setState({ report: fakeReport() }));
    expect(within(inspector).getByText('local model')).toBeTruthy();
  });

  it('the status bar shows the server, and when it is unreachable, that the local model took over', async () => {
    const fake = new FakeApi();
    renderWith(fake, <AssistantStatusBar />);
    const bar = screen.getByRole('contentinfo', { name: 'Assistant status' });
    await within(bar).findByText('ready');
    const model = fake.assistantStatus.model;
    act(() => fake.emit('assistant.status', { state: 'ready', model, device: 'cpu', message: 'Suggestions from the OpenAI /v1/completions server at http://vllm:8000.', engine: { kind: 'remote', dialect: 'openai', url: 'http://vllm:8000' } }));
    expect(within(bar).getByText('OpenAI-compatible server at http://vllm:8000')).toBeTruthy();
    expect(within(bar).queryByText('Tiny Coder')).toBeNull();
    const down = 'Remote engine unreachable: ECONNREFUSED; using the local model.';
    act(() => fake.emit('assistant.status', { state: 'ready', model, device: 'cpu', message: down, engine: { kind: 'local' } }));
    expect(within(bar).getByText(down)).toBeTruthy();
    expect(within(bar).getByText('Tiny Coder')).toBeTruthy();
  });
});
