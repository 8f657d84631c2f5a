// @vitest-environment happy-dom
// The Models dialog's "Make a smaller copy": model and type chosen, the copy listed with its origin, the selection
// kept, a failure shown as an alert.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it } from 'vitest';
import type { ModelInfo } from '../../../app/completion/schemas';
import { ApiContext } from '../../../renderer/app/context';
import { ModelManagerPanel } from '../../../renderer/models';
import { FakeApi } from './fakeApi';

afterEach(cleanup);

const model = (id: string, name: string, origin: ModelInfo['origin']): ModelInfo => ({ id, name, path: `/models/${name}`, sizeBytes: 45_000_000, origin });

function setup() {
  const fake = new FakeApi();
  fake.catalog = { ...fake.catalog, installed: [model('bundled', 'coder.gguf', 'bundled'), model('a', 'other.gguf', 'local')], selectedId: 'bundled' };
  render(
    <ApiContext value={fake}>
      <ModelManagerPanel onClose={() => undefined} />
    </ApiContext>,
  );
  return fake;
}

it('makes a copy of the chosen model at the chosen type and lists it; the model in use stays', async () => {
  const fake = setup();
  const section = await screen.findByRole('region', { name: 'Make a smaller copy' });
  expect(within(section).getByLabelText<HTMLSelectElement>('Type').value).toBe('Q4_K_M');
  fireEvent.change(within(section).getByLabelText('Model'), { target: { value: 'a' } });
  fireEvent.change(within(section).getByLabelText('Type'), { target: { value: 'Q8_0' } });
  fireEvent.click(within(section).getByRole('button', { name: 'Make a smaller copy' }));
  const installed = screen.getByRole('region', { name: 'Installed models' });
  const item = await within(installed).findByRole('listitem', { name: 'other-Q8_0.gguf' });
  expect(within(item).getByText('15 MB, smaller copy made here')).toBeTruthy();
  expect(fake.inputsOf('models.compress')).toEqual([{ id: 'a', type: 'Q8_0' }]);
  expect(within(installed).getByRole('listitem', { name: 'coder.gguf' }).getAttribute('aria-current')).toBe('true');
});

it('shows why no copy was made', async () => {
  const fake = setup();
  fake.failNext('models.compress', 'No smaller copy of coder.gguf was made: /user/models/coder-Q4_K_M.gguf already exists; remove it or choose another --out');
  const section = await screen.findByRole('region', { name: 'Make a smaller copy' });
  fireEvent.click(within(section).getByRole('button', { name: 'Make a smaller copy' }));
  await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('No smaller copy of coder.gguf was made'));
  expect(within(section).getByRole<HTMLButtonElement>('button', { name: 'Make a smaller copy' }).disabled).toBe(false);
});
