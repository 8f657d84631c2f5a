// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HeadProfileView } from '../../../app/completion/headProfile';
import { RemoteError } from '../../../app/ipc/api';
import { ApiContext } from '../../../renderer/app/context';
import { resetAssistantStore } from '../../../renderer/assistant/assistantStore';
import { AssistantSettingsForm } from '../../../renderer/models';
import { HeadProfilePanel } from '../../../renderer/models/HeadProfilePanel';
import { FakeApi } from './fakeApi';

afterEach(cleanup);
beforeEach(() => resetAssistantStore());

/** 2 layers x 3 heads; previous-token strong in 1.2, sink in 0.0. */
function view(): HeadProfileView {
  const heads = (strong: string) => [0, 1].flatMap((layer) => [0, 1, 2].map((head) => ({ layer, head, mass: 0.3, top1: `${layer}.${head}` === strong ? 0.92 : 0.1 })));
  return {
    modelPath: '/models/tiny.gguf',
    profilePath: '/user/kv-cache/heads/x.json',
    profile: {
      version: 1,
      model: { identity: 'ab'.repeat(32), name: 'tiny', nLayer: 2, nHead: 3, nHeadKv: 1 },
      files: { count: 4, tokens: 900 },
      patterns: { 'previous-token': { rows: 800, heads: heads('1.2'), chance: 0.04 }, sink: { rows: 880, heads: heads('0.0') } },
    },
    chosen: [{ layer: 0, head: 0, pattern: 'sink' }, { layer: 1, head: 2, pattern: 'previous-token' }],
    threshold: 0.5,
  };
}

function renderPanel(fake: FakeApi) {
  return render(
    <ApiContext value={fake}>
      <HeadProfilePanel />
    </ApiContext>,
  );
}

describe('HeadProfilePanel', () => {
  it('says how to make a profile when the loaded model has none', async () => {
    renderPanel(new FakeApi());
    const region = screen.getByRole('region', { name: 'Head profile' });
    await within(region).findByText(/No head profile for this model/);
    expect(region.textContent).toContain('No head profile for this model: run steerway heads --model /models/tiny.gguf');
  });

  it('draws a heatmap per pattern, layers x heads coloured by top-1, values on hover, the heads auto replaces outlined', async () => {
    const fake = new FakeApi();
    fake.headProfile = view;
    renderPanel(fake);
    const region = screen.getByRole('region', { name: 'Head profile' });
    const previous = await within(region).findByRole('figure', { name: 'previous-token heatmap' });
    const sink = within(region).getByRole('figure', { name: 'sink heatmap' });
    expect(within(previous).getAllByRole('row')).toHaveLength(3); // the heads' header and 2 layers
    expect(previous.querySelector('figcaption')!.textContent).toBe('previous-token (800 rows, chance 0.04)');
    expect(sink.querySelector('figcaption')!.textContent).toBe('sink (880 rows)');
    const cells = previous.querySelectorAll('td');
    expect(cells).toHaveLength(6);
    const strong = within(previous).getByLabelText('head 1.2: top-1 0.92, mass 0.30');
    expect(strong.getAttribute('title')).toBe('head 1.2: top-1 0.92, mass 0.30, replaced by auto');
    expect(strong.className).toBe('head-chosen');
    expect((strong as HTMLElement).style.backgroundColor).toMatch(/0\.92/);
    expect([...previous.querySelectorAll('td.head-chosen')].map((td) => td.getAttribute('aria-label'))).toEqual(['head 1.2: top-1 0.92, mass 0.30']);
    expect([...sink.querySelectorAll('td.head-chosen')].map((td) => td.getAttribute('aria-label'))).toEqual(['head 0.0: top-1 0.92, mass 0.30']);
    expect(within(region).getByLabelText('Heads auto replaces').textContent).toBe('Auto injection replaces 2 heads (top-1 ≥ 0.5): 0.0 → sink, 1.2 → previous-token');
  });

  it('says why there is nothing to show (no model loaded yet) and reads again once a model is ready', async () => {
    const fake = new FakeApi();
    fake.assistantStatus = { ...fake.assistantStatus, state: 'loading' };
    fake.headProfile = () => {
      throw new RemoteError('not-ready', 'No model is loaded yet: its head profile shows once one is.');
    };
    renderPanel(fake);
    const region = screen.getByRole('region', { name: 'Head profile' });
    await within(region).findByText('No model is loaded yet: its head profile shows once one is.');
    fake.headProfile = view;
    act(() => fake.emit('assistant.status', { ...fake.assistantStatus, state: 'ready' }));
    await within(region).findByRole('figure', { name: 'sink heatmap' });
  });

  it('reads the profile again on Reload and when the window gets the focus back (steerway heads wrote it meanwhile)', async () => {
    const fake = new FakeApi();
    renderPanel(fake);
    const region = screen.getByRole('region', { name: 'Head profile' });
    await within(region).findByText(/No head profile for this model/);
    fake.headProfile = view;
    fireEvent.click(within(region).getByRole('button', { name: 'Reload' }));
    await within(region).findByRole('figure', { name: 'sink heatmap' });

    fake.headProfile = () => ({ ...view(), profile: null, chosen: [] });
    act(() => {
      window.dispatchEvent(new Event('focus'));
    });
    await within(region).findByText(/No head profile for this model/);
    expect(within(region).queryByRole('figure')).toBeNull();
  });
});

describe('the attention injection setting', () => {
  it('is off by default, saves auto, and says it needs a head profile', async () => {
    const fake = new FakeApi();
    render(
      <ApiContext value={fake}>
        <AssistantSettingsForm />
      </ApiContext>,
    );
    const select = await screen.findByLabelText<HTMLSelectElement>('Attention injection');
    expect(select.value).toBe('off');
    expect(screen.getByText(/Needs a head/).textContent).toContain('steerway heads --model <file.gguf>');
    fireEvent.change(select, { target: { value: 'auto' } });
    await waitFor(() => expect(fake.inputsOf('settings.update')).toEqual([{ injection: 'auto' }]));
    await waitFor(() => expect(select.value).toBe('auto'));
  });
});
