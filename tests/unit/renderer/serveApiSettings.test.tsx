// @vitest-environment happy-dom
// The settings dialog's "Serve to editors": the switch and port saved as the serveApi setting, then the endpoint and key shown.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiContext } from '../../../renderer/app/context';
import { AssistantSettingsForm } from '../../../renderer/models/AssistantSettingsForm';
import { FakeApi } from './fakeApi';

afterEach(cleanup);

describe('serve to editors', () => {
  it('turning it on saves the setting and shows the endpoint and the key; off hides them', async () => {
    const fake = new FakeApi();
    render(<ApiContext value={fake}><AssistantSettingsForm /></ApiContext>);
    const box = await screen.findByRole('checkbox', { name: /Serve this model on 127\.0\.0\.1/ });
    expect(screen.queryByLabelText('API key')).toBeNull();
    fireEvent.click(box);
    await waitFor(() => expect(fake.inputsOf('settings.update')).toEqual([{ serveApi: { enabled: true, port: 8012 } }]));
    expect(((await screen.findByLabelText('Endpoint')) as HTMLInputElement).value).toBe('http://127.0.0.1:8012');
    expect((screen.getByLabelText('API key') as HTMLInputElement).value).toBe('fake-serve-token');

    fireEvent.change(screen.getByLabelText('Port'), { target: { value: '9000' } });
    await waitFor(() => expect((screen.getByLabelText('Endpoint') as HTMLInputElement).value).toBe('http://127.0.0.1:9000'));
    expect(fake.inputsOf('settings.update').at(-1)).toEqual({ serveApi: { enabled: true, port: 9000 } });

    fireEvent.click(screen.getByRole('checkbox', { name: /Serve this model/ }));
    await waitFor(() => expect(screen.queryByLabelText('API key')).toBeNull());
  });

  it("shows why it is not serving (main's message)", async () => {
    const fake = new FakeApi();
    fake.settings = { ...fake.settings, serveApi: { enabled: true, port: 8012 } };
    const message = 'Port 8012 is in use by another program; choose another port.';
    const call = fake.call.bind(fake);
    fake.call = (async (name: string, input: unknown) =>
      name === 'serveApi.status' ? { state: 'error', url: null, token: null, message } : call(name as never, input as never)) as typeof fake.call;
    render(<ApiContext value={fake}><AssistantSettingsForm /></ApiContext>);
    expect((await screen.findByRole('alert')).textContent).toBe(message);
    expect(screen.queryByLabelText('Endpoint')).toBeNull();
  });
});
