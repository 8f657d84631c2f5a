import { describe, expect, it, vi } from 'vitest';
import { OutputHub, REPLAY_MAX_CHARS, type OutputSink } from '../../../renderer/journal/store/outputHub';

function recorder() {
  const sink = { shown: '', resets: 0 } as OutputSink & { shown: string; resets: number };
  sink.reset = () => {
    sink.shown = '';
    sink.resets++;
  };
  sink.write = (data) => (sink.shown += data);
  return sink;
}

const RED = '\x1b[31mred\x1b[0m';
const CLIPBOARD_WRITE = '\x1b]52;c;ZXZpbA==\x07';
const CLEAR_SCREEN = '\x1b[2J';

describe('OutputHub', () => {
  it('passes live output to attached views as it came', () => {
    const hub = new OutputHub(vi.fn(), vi.fn());
    const view = recorder();
    hub.attach('c1', view, false);

    hub.started('c1');
    hub.data('c1', CLEAR_SCREEN + RED);

    expect(view.shown).toBe(CLEAR_SCREEN + RED);
  });

  it('shows output again with colours but without any other escape sequence', () => {
    const hub = new OutputHub(vi.fn(), vi.fn());
    hub.started('c1');
    hub.data('c1', CLIPBOARD_WRITE + CLEAR_SCREEN + RED + '\r\n');

    const later = recorder();
    hub.attach('c1', later, true);

    expect(later.shown).toBe(RED + '\r\n');
  });

  it('fetches stored output once, sanitised, and marks truncated output', async () => {
    const loadStored = vi.fn(async () => ({ output: CLIPBOARD_WRITE + 'done\r\n', truncated: true }));
    const hub = new OutputHub(loadStored, vi.fn());
    const first = recorder();
    const second = recorder();

    hub.attach('c1', first, true);
    hub.attach('c1', second, true);
    await vi.waitFor(() => expect(first.shown).toContain('done'));

    expect(loadStored).toHaveBeenCalledTimes(1);
    expect(first.shown).not.toContain('\x1b]52');
    expect(first.shown).toContain('[output truncated]');
    expect(second.shown).toBe(first.shown);
  });

  it('fetches nothing for a cell that never ran', () => {
    const loadStored = vi.fn();
    new OutputHub(loadStored, vi.fn()).attach('c1', recorder(), false);
    expect(loadStored).not.toHaveBeenCalled();
  });

  it('does not let stored output that arrives late replace a run that started meanwhile', async () => {
    let answer: (stored: { output: string; truncated: boolean }) => void = () => undefined;
    const hub = new OutputHub(() => new Promise((resolve) => (answer = resolve)), vi.fn());
    const view = recorder();
    hub.attach('c1', view, true);

    hub.started('c1');
    hub.data('c1', 'new run\r\n');
    answer({ output: 'old run\r\n', truncated: false });
    await Promise.resolve();

    expect(view.shown).toBe('new run\r\n');
  });

  it('reports a failed fetch and lets a later view try again', async () => {
    const reportError = vi.fn();
    const loadStored = vi.fn().mockRejectedValueOnce(new Error('gone')).mockResolvedValueOnce({ output: 'back', truncated: false });
    const hub = new OutputHub(loadStored, reportError);

    hub.attach('c1', recorder(), true);
    await vi.waitFor(() => expect(reportError).toHaveBeenCalled());
    const later = recorder();
    hub.attach('c1', later, true);

    await vi.waitFor(() => expect(later.shown).toBe('back'));
  });

  it('stops writing to a view once it is detached', () => {
    const hub = new OutputHub(vi.fn(), vi.fn());
    const view = recorder();
    hub.attach('c1', view, false).dispose();

    hub.data('c1', 'after');

    expect(view.shown).toBe('');
  });

  it('gives the output as plain text for copying', async () => {
    const hub = new OutputHub(async () => ({ output: `${RED}\r\nline 2\r\n`, truncated: false }), vi.fn());
    expect(await hub.plainText('c1', true)).toBe('red\nline 2\n');
  });

  it('shows a huge output again from its end only, from a line start, saying how much it left out; Copy has it all', async () => {
    const hub = new OutputHub(vi.fn(), vi.fn());
    const line = 'x'.repeat(59) + '\n';
    const lines = Math.ceil((REPLAY_MAX_CHARS * 2) / line.length);
    hub.started('c1');
    for (let i = 0; i < lines; i += 1000) hub.data('c1', line.repeat(Math.min(1000, lines - i)));

    const later = recorder();
    hub.attach('c1', later, true);

    const [note, ...shown] = later.shown.split('\r\n');
    expect(note).toMatch(/^\x1b\[2m\[\d+\.\d [KM]B of earlier output not shown here; Copy copies all of it\]\x1b\[0m$/);
    const text = shown.join('\r\n');
    expect(text.length).toBeLessThanOrEqual(REPLAY_MAX_CHARS);
    expect(text.length).toBeGreaterThan(REPLAY_MAX_CHARS - line.length);
    expect(text.startsWith(line)).toBe(true);
    expect((await hub.plainText('c1', true)).length).toBe(lines * line.length);
  });

  it('shows an output under the bound again whole, with no note', () => {
    const hub = new OutputHub(vi.fn(), vi.fn());
    hub.started('c1');
    hub.data('c1', 'one\r\n');
    hub.data('c1', 'two\r\n');
    const later = recorder();
    hub.attach('c1', later, true);
    expect(later.shown).toBe('one\r\ntwo\r\n');
  });
});
