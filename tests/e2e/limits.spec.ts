import { expect, test } from './fixtures';
import { addStep, createJournal } from './journalActions';

/**
 * Issue 9, item 1 (security report V1): a paste too large for the wire is refused in the page with a clear
 * message, and frames that used to end the app (over the size limit, a call name that is no string, binary)
 * close only their own socket: the app keeps working.
 */

test('a paste over the attachment limit is refused clearly; bad frames do not take the app down', async ({ page, app }) => {
  // Megabytes through the page and the socket: on a loaded machine this takes longer than the usual test.
  test.slow();
  await page.goto(app.url);
  await createJournal(page, 'Limits');
  await addStep(page, 'Paste the log');
  const panel = page.getByRole('complementary', { name: 'Attachments' });

  await panel.getByRole('button', { name: 'Attach' }).click();
  await panel.getByLabel('Attachment kind').selectOption('text');
  await panel.getByLabel('Title').fill('Huge log');
  // The report's repro: 3.3M CJK characters, 9.9 MB of UTF-8.
  await panel.getByLabel('Text').evaluate((area: HTMLTextAreaElement) => {
    const setValue = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!;
    setValue.call(area, '漢'.repeat(3_300_000));
    area.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await expect(panel.getByRole('alert')).toHaveText('This attachment is over 5 MB.');
  await expect(panel.getByRole('button', { name: 'Add attachment' })).toBeDisabled();

  // Frames the page itself never sends, from a second socket with the same token.
  const closes = await page.evaluate(async () => {
    const url = `ws://${location.host}/api?token=${encodeURIComponent(sessionStorage.getItem('steerway.token')!)}`;
    const exchange = (frame: string | ArrayBuffer) =>
      new Promise<{ code: number; reply: string | null }>((resolve) => {
        const socket = new WebSocket(url);
        let reply: string | null = null;
        socket.onopen = () => socket.send(frame);
        socket.onmessage = (message) => {
          reply = String(message.data);
          socket.close(1000);
        };
        socket.onclose = (event) => resolve({ code: event.code, reply });
      });
    return [
      await exchange(JSON.stringify({ id: 1, call: { toString: 1 }, input: {} })),
      await exchange(new ArrayBuffer(16)),
      await exchange(JSON.stringify({ id: 2, call: 'workspace.info', input: {}, pad: 'x'.repeat(62 * 1024 * 1024) })),
    ];
  });
  expect(JSON.parse(closes[0]!.reply!)).toMatchObject({ id: 1, reply: { ok: false, error: { code: 'bad-request' } } });
  expect(closes[1]!.code).toBe(1003);
  expect(closes[2]!.code).toBe(1009);

  // The app is still there, on the page's own connection: a paste within the limit is attached.
  await panel.getByLabel('Text').fill('The parser drops trailing whitespace.');
  await expect(panel.getByRole('alert')).toHaveCount(0);
  await panel.getByRole('button', { name: 'Add attachment' }).click();
  await expect(panel.getByRole('listitem', { name: 'Huge log' })).toBeVisible();
  await expect(page.getByText('Lost the connection to Steerway.')).toHaveCount(0);
});
