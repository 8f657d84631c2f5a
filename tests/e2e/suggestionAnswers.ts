import type { Page } from '@playwright/test';

// Ghost text streams in: a test that takes a suggestion waits for the whole of it, the answer main sent.
/** The answers main sent the page (not the text streamed before them), by the end of the text each was asked for. */
export function answersOf(page: Page): (typed: string) => string | undefined {
  const asked = new Map<number, string>();
  const answers = new Map<string, string>();
  page.on('websocket', (socket) => {
    socket.on('framesent', (frame) => {
      const call = JSON.parse(String(frame.payload)) as { id?: number; call?: string; input?: { prefix?: string } };
      if (call.call === 'assistant.complete' && call.id !== undefined) asked.set(call.id, call.input!.prefix!);
    });
    socket.on('framereceived', (frame) => {
      const reply = JSON.parse(String(frame.payload)) as { id?: number; reply?: { ok: boolean; value?: { text: string } } };
      const prefix = reply.id === undefined ? undefined : asked.get(reply.id);
      if (prefix !== undefined && reply.reply?.ok) answers.set(prefix, reply.reply.value!.text);
    });
  });
  return (typed) => [...answers].find(([prefix]) => prefix.endsWith(typed))?.[1];
}
