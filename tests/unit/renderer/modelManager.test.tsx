// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DownloadState, ModelInfo, RecommendedModel } from '../../../app/completion/schemas';
import { ApiContext } from '../../../renderer/app/context';
import { ModelManagerPanel, ModelSetupPrompt } from '../../../renderer/models';
import { FakeApi } from './fakeApi';

afterEach(cleanup);

const SMALL: RecommendedModel = {
  id: 'small', name: 'Coder 0.5B', url: 'https://example.com/small.gguf', sizeBytes: 531_000_000, sha256: 'ab'.repeat(32), note: 'Fast, about 1 GB of memory.',
};
const LARGE: RecommendedModel = {
  id: 'large', name: 'Coder 1.5B', url: 'https://example.com/large.gguf', sizeBytes: 1_650_000_000, sha256: null, note: 'Better, about 2.5 GB of memory.',
};
const model = (id: string, name: string, origin: ModelInfo['origin'] = 'local'): ModelInfo => ({ id, name, path: `/models/${name}`, sizeBytes: 2_500_000, origin });

function setup(fill: (fake: FakeApi) => void = () => undefined) {
  const fake = new FakeApi();
  fake.catalog = { ...fake.catalog, recommended: [SMALL, LARGE] };
  fill(fake);
  const onClose = vi.fn();
  render(
    <ApiContext value={fake}>
      <ModelManagerPanel onClose={onClose} />
    </ApiContext>,
  );
  return { fake, onClose };
}

const region = (name: string) => screen.getByRole('region', { name });
const installedItem = (name: string) => within(region('Installed models')).getByRole('listitem', { name });
const recommendedItem = (name: string) => within(region('Recommended models')).getByRole('listitem', { name });
const download = (fake: FakeApi, state: Partial<DownloadState> & { id: string }) =>
  act(() => fake.emit('models.download', { name: state.id === 'small' ? SMALL.name : LARGE.name, state: 'downloading', downloadedBytes: 0, totalBytes: null, error: null, ...state }));

describe('ModelManagerPanel', () => {
  it('is a dialog named Models; Close and Escape close it', async () => {
    const { onClose } = setup();
    const dialog = screen.getByRole('dialog', { name: 'Models' });
    await screen.findByText(/No model yet/);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Close' }));
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(onClose).toHaveBeenCalledTimes(2);
  });

  it('lists installed models with the one in use marked; Use selects another and Remove removes one', async () => {
    const { fake } = setup((f) => {
      f.catalog = { ...f.catalog, installed: [model('a', 'a.gguf'), model('b', 'b.gguf')], selectedId: 'a' };
    });
    await screen.findByRole('listitem', { name: 'a.gguf' });
    expect(installedItem('a.gguf').getAttribute('aria-current')).toBe('true');
    expect(within(installedItem('a.gguf')).getByText('In use')).toBeTruthy();
    expect(within(installedItem('b.gguf')).getByText('2.5 MB, added from disk')).toBeTruthy();

    fireEvent.click(within(installedItem('b.gguf')).getByRole('button', { name: 'Use' }));
    await waitFor(() => expect(installedItem('b.gguf').getAttribute('aria-current')).toBe('true'));
    expect(fake.inputsOf('models.select')).toEqual([{ id: 'b' }]);

    fireEvent.click(within(installedItem('a.gguf')).getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(within(region('Installed models')).queryByRole('listitem', { name: 'a.gguf' })).toBeNull());
    expect(fake.inputsOf('models.remove')).toEqual([{ id: 'a' }]);
  });

  it('the --model file is marked as for this run and cannot be removed', async () => {
    setup((f) => {
      f.catalog = { ...f.catalog, installed: [model('command-line', 'flag.gguf', 'command-line')], selectedId: 'command-line' };
    });
    const item = await screen.findByRole('listitem', { name: 'flag.gguf' });
    expect(within(item).getByText(/from --model, this run only/)).toBeTruthy();
    expect(within(item).queryByRole('button', { name: 'Remove' })).toBeNull();
  });

  it('the model shipped with Steerway is marked as such, can be chosen back, and cannot be removed', async () => {
    const { fake } = setup((f) => {
      f.catalog = { ...f.catalog, installed: [model('bundled', 'Steerway Coder (shipped with Steerway)', 'bundled'), model('a', 'a.gguf')], selectedId: 'a' };
    });
    const item = await screen.findByRole('listitem', { name: 'Steerway Coder (shipped with Steerway)' });
    expect(within(item).getByText(/shipped with Steerway$/)).toBeTruthy();
    expect(within(item).queryByRole('button', { name: 'Remove' })).toBeNull();
    fireEvent.click(within(item).getByRole('button', { name: 'Use' }));
    await waitFor(() => expect(fake.inputsOf('models.select')).toEqual([{ id: 'bundled' }]));
  });

  it('adds a GGUF file by path; a refused file shows main\'s message as an alert and keeps the path', async () => {
    const { fake } = setup();
    const input = await screen.findByRole('textbox', { name: 'Model file path' });
    fireEvent.change(input, { target: { value: ' /data/coder.gguf ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add model' }));
    await screen.findByRole('listitem', { name: 'coder.gguf' });
    expect(fake.inputsOf('models.addLocal')).toEqual([{ path: '/data/coder.gguf' }]);
    expect((input as HTMLInputElement).value).toBe('');

    fake.failNext('models.addLocal', '/data/notes.txt is not a usable GGUF model: it does not start with the GGUF magic bytes.');
    fireEvent.change(input, { target: { value: '/data/notes.txt' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add model' }));
    expect((await screen.findByRole('alert')).textContent).toContain('/data/notes.txt is not a usable GGUF model');
    expect((input as HTMLInputElement).value).toBe('/data/notes.txt');
  });

  it('shows the recommended models with size, note and whether a checksum is known', async () => {
    setup();
    await screen.findByRole('listitem', { name: 'Coder 0.5B' });
    const small = recommendedItem('Coder 0.5B');
    expect(within(small).getByText('531 MB')).toBeTruthy();
    expect(within(small).getByText('Fast, about 1 GB of memory.')).toBeTruthy();
    expect(within(small).getByText(/known SHA-256 checksum/)).toBeTruthy();
    const large = recommendedItem('Coder 1.5B');
    expect(within(large).getByText('1.65 GB')).toBeTruthy();
    expect(within(large).getByText(/No checksum known/)).toBeTruthy();
  });

  it('a download shows a progress bar fed by events, with Pause, Resume and Cancel', async () => {
    const { fake } = setup();
    await screen.findByRole('listitem', { name: 'Coder 0.5B' });
    fireEvent.click(within(recommendedItem('Coder 0.5B')).getByRole('button', { name: 'Download' }));
    await waitFor(() => expect(fake.inputsOf('models.download')).toEqual([{ recommendedId: 'small' }]));
    await within(recommendedItem('Coder 0.5B')).findByRole('button', { name: 'Pause' });
    expect(within(recommendedItem('Coder 0.5B')).queryByRole('button', { name: 'Download' })).toBeNull();

    download(fake, { id: 'small', downloadedBytes: 265_500_000, totalBytes: 531_000_000 });
    const bar = within(recommendedItem('Coder 0.5B')).getByRole('progressbar', { name: 'Coder 0.5B download' });
    expect(bar.getAttribute('aria-valuenow')).toBe('50');
    expect(within(recommendedItem('Coder 0.5B')).getByText('Downloading: 266 MB of 531 MB')).toBeTruthy();

    fireEvent.click(within(recommendedItem('Coder 0.5B')).getByRole('button', { name: 'Pause' }));
    const resume = await within(recommendedItem('Coder 0.5B')).findByRole('button', { name: 'Resume' });
    expect(fake.inputsOf('models.pause')).toEqual([{ id: 'small' }]);
    fireEvent.click(resume);
    await within(recommendedItem('Coder 0.5B')).findByRole('button', { name: 'Pause' });
    expect(fake.inputsOf('models.resume')).toEqual([{ id: 'small' }]);

    fireEvent.click(within(recommendedItem('Coder 0.5B')).getByRole('button', { name: 'Cancel' }));
    await within(recommendedItem('Coder 0.5B')).findByRole('button', { name: 'Download' });
    expect(within(recommendedItem('Coder 0.5B')).queryByRole('progressbar')).toBeNull();
  });

  it('a failed download shows its error as an alert and can be resumed', async () => {
    const { fake } = setup();
    await screen.findByRole('listitem', { name: 'Coder 1.5B' });
    download(fake, { id: 'large', state: 'failed', downloadedBytes: 10, error: 'Downloading Coder 1.5B failed: the server answered 404 Not Found' });
    const item = recommendedItem('Coder 1.5B');
    expect(within(item).getByRole('alert').textContent).toBe('Downloading Coder 1.5B failed: the server answered 404 Not Found');
    expect(within(item).getByRole('button', { name: 'Resume' })).toBeTruthy();
  });

  it('an answer older than an event for the same download does not undo the event', async () => {
    const { fake } = setup();
    await screen.findByRole('listitem', { name: 'Coder 1.5B' });
    fireEvent.click(within(recommendedItem('Coder 1.5B')).getByRole('button', { name: 'Download' }));
    // The download fails before its call's answer ('downloading') arrives.
    download(fake, { id: 'large', state: 'failed', error: 'Downloading Coder 1.5B failed: no route' });
    await waitFor(() => expect(fake.inputsOf('models.download')).toHaveLength(1));
    await act(async () => await new Promise((resolve) => setTimeout(resolve, 0)));
    expect(within(recommendedItem('Coder 1.5B')).getByRole('alert').textContent).toContain('no route');
    expect(within(recommendedItem('Coder 1.5B')).queryByRole('button', { name: 'Pause' })).toBeNull();
  });

  it('a finished download reloads the list, where the new model appears as installed', async () => {
    const { fake } = setup();
    await screen.findByRole('listitem', { name: 'Coder 0.5B' });
    fake.catalog = { ...fake.catalog, installed: [model('small', 'Coder 0.5B', 'downloaded')], selectedId: 'small' };
    download(fake, { id: 'small', state: 'done', downloadedBytes: 531_000_000, totalBytes: 531_000_000 });
    await waitFor(() => expect(within(region('Installed models')).getByRole('listitem', { name: 'Coder 0.5B' })).toBeTruthy());
    expect(within(recommendedItem('Coder 0.5B')).getByText('Installed')).toBeTruthy();
    expect(within(recommendedItem('Coder 0.5B')).queryByRole('progressbar')).toBeNull();
  });
});

describe('AssistantSettingsForm (in the panel)', () => {
  it('shows the saved settings and saves each change', async () => {
    const { fake } = setup((f) => {
      f.settings = { ...f.settings, mode: 'prefix', boundary: 4, maxTokens: 32, gpu: false };
    });
    const mode = (await screen.findByRole('combobox', { name: 'Mode' })) as HTMLSelectElement;
    const boundary = screen.getByRole('spinbutton', { name: 'Boundary tokens' }) as HTMLInputElement;
    const maxTokens = screen.getByRole('spinbutton', { name: 'Max tokens' }) as HTMLInputElement;
    const gpu = screen.getByRole('checkbox', { name: 'Use GPU' }) as HTMLInputElement;
    expect([mode.value, boundary.value, maxTokens.value, gpu.checked]).toEqual(['prefix', '4', '32', false]);

    fireEvent.change(mode, { target: { value: 'sparse' } });
    fireEvent.change(boundary, { target: { value: '8' } });
    fireEvent.change(maxTokens, { target: { value: '64' } });
    fireEvent.click(gpu);

    await waitFor(() => expect(fake.inputsOf('settings.update')).toEqual([{ mode: 'sparse' }, { boundary: 8 }, { maxTokens: 64 }, { gpu: true }]));
    expect(fake.settings).toMatchObject({ mode: 'sparse', boundary: 8, maxTokens: 64, gpu: true });
    await waitFor(() => expect(gpu.checked).toBe(true));
  });

  it('an out-of-range number is explained and not saved', async () => {
    const { fake } = setup();
    const maxTokens = await screen.findByRole('spinbutton', { name: 'Max tokens' });
    fireEvent.change(maxTokens, { target: { value: '300' } });
    expect(maxTokens.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Max tokens must be a whole number from 1 to 256.')).toBeTruthy();
    fireEvent.change(maxTokens, { target: { value: '2.5' } });
    await act(async () => await new Promise((resolve) => setTimeout(resolve, 0)));
    expect(fake.inputsOf('settings.update')).toEqual([]);
  });
});

describe('ModelSetupPrompt', () => {
  function renderPrompt(state: 'no-model' | 'ready') {
    const fake = new FakeApi();
    fake.assistantStatus = { ...fake.assistantStatus, state, model: state === 'ready' ? fake.assistantStatus.model : null };
    render(
      <ApiContext value={fake}>
        <ModelSetupPrompt />
      </ApiContext>,
    );
    return fake;
  }

  it('with no model, offers to set one up and opens the model manager', async () => {
    renderPrompt('no-model');
    const prompt = await screen.findByRole('region', { name: 'Model setup' });
    fireEvent.click(within(prompt).getByRole('button', { name: 'Set up a model' }));
    const dialog = screen.getByRole('dialog', { name: 'Models' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('dialog', { name: 'Models' })).toBeNull();
  });

  it('shows nothing while a model is there, and appears when the status says the model is gone', async () => {
    const fake = renderPrompt('ready');
    await waitFor(() => expect(fake.inputsOf('assistant.status')).toHaveLength(1));
    await act(async () => await new Promise((resolve) => setTimeout(resolve, 0)));
    expect(screen.queryByRole('region', { name: 'Model setup' })).toBeNull();

    act(() => fake.emit('assistant.status', { state: 'no-model', model: null, device: 'cpu', message: null }));
    expect(screen.getByRole('region', { name: 'Model setup' })).toBeTruthy();
  });
});
