// @vitest-environment happy-dom
import { act, render } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { createAppStore } from '../../../renderer/app/appStore';
import { AppStoreContext } from '../../../renderer/app/context';
import { terminalColumns } from '../../../renderer/journal/cells/terminalSize';
import { TerminalView } from '../../../renderer/journal/cells/TerminalView';
import { JournalStoreContext } from '../../../renderer/journal/context';
import { FakeApi, openJournalStore } from './fakeApi';
import './helpers';

// xterm.js needs a real browser (e2e covers it); this fake records what the view asks of it.
const { FakeTerminal } = vi.hoisted(() => {
  class FakeTerminal {
    static last: FakeTerminal;
    written: string[] = [];
    rows: number;
    cols = 80;
    disposed = false;
    buffer = { active: { baseY: 0, cursorY: 0, cursorX: 0 } };
    typed: ((data: string) => void) | null = null;
    constructor(readonly options: { rows: number; disableStdin: boolean; scrollback: number }) {
      this.rows = options.rows;
      FakeTerminal.last = this;
    }
    loadAddon() {}
    open() {}
    write(data: string, parsed?: () => void) {
      this.written.push(data);
      this.buffer.active.cursorY += data.split('\n').length - 1;
      parsed?.();
    }
    reset() {
      this.written.push('<reset>');
      this.buffer.active.cursorY = 0;
    }
    resize(cols: number, rows: number) {
      this.cols = cols;
      this.rows = rows;
    }
    onData(listener: (data: string) => void) {
      this.typed = listener;
      return { dispose: () => (this.typed = null) };
    }
    attachCustomKeyEventHandler() {}
    dispose() {
      this.disposed = true;
    }
  }
  return { FakeTerminal };
});
vi.mock('@xterm/xterm', () => ({ Terminal: FakeTerminal }));
vi.mock('@xterm/addon-fit', () => ({ FitAddon: class { proposeDimensions = () => ({ cols: 100, rows: 10 }); } }));

const nextFrame = () => act(() => new Promise((resolve) => requestAnimationFrame(() => resolve(undefined))));

async function setup(running = false, hasStoredRun = false) {
  const fake = new FakeApi();
  const journal = fake.addJournal('T', ['S']);
  const { store, state } = await openJournalStore(fake, journal);
  const appStore = createAppStore(fake);
  const view = (props: { running: boolean }) => (
    <AppStoreContext value={appStore}>
      <JournalStoreContext value={store}>
        <TerminalView cellId="cell-1" hasStoredRun={hasStoredRun} running={props.running} />
      </JournalStoreContext>
    </AppStoreContext>
  );
  const rendered = render(view({ running }));
  return { fake, journal, state, term: FakeTerminal.last, rerender: (r: boolean) => rendered.rerender(view({ running: r })), unmount: rendered.unmount };
}

describe('TerminalView', () => {
  it('writes live output once per animation frame, not once per chunk', async () => {
    const { state, term } = await setup(true);

    for (const chunk of ['a', 'b', 'c']) state().outputs.data('cell-1', chunk);
    expect(term.written).toEqual([]);
    await nextFrame();

    expect(term.written).toEqual(['abc']);
  });

  it('keeps a large scrollback', async () => {
    const { term } = await setup();
    expect(term.options.scrollback).toBeGreaterThanOrEqual(100_000);
  });

  it('shows stored output without its escape sequences, only text and colours', async () => {
    const fake = new FakeApi();
    fake.outputs.set('cell-1', { output: '\x1b]52;c;ZXZpbA==\x07\x1b[31mred\x1b[0m', truncated: false });
    const journal = fake.addJournal('T', ['S']);
    const { store } = await openJournalStore(fake, journal);
    render(
      <AppStoreContext value={createAppStore(fake)}>
        <JournalStoreContext value={store}>
          <TerminalView cellId="cell-1" hasStoredRun running={false} />
        </JournalStoreContext>
      </AppStoreContext>,
    );
    await vi.waitFor(() => expect(fake.inputsOf('cell.output')).toHaveLength(1));
    await nextFrame();

    expect(FakeTerminal.last.written.join('')).toContain('\x1b[31mred\x1b[0m');
    expect(FakeTerminal.last.written.join('')).not.toContain('\x1b]52');
  });

  it('sends keys to the running command, Ctrl+C as an interrupt, and ignores keys otherwise', async () => {
    const { fake, journal, term, rerender } = await setup(false);
    expect(term.options.disableStdin).toBe(true);
    term.typed?.('ignored');

    act(() => void fake.startRun(journal.id, 'cell-1'));
    rerender(true);
    expect(term.options.disableStdin).toBe(false);
    term.typed?.('yes\r');
    term.typed?.('\x03');

    await vi.waitFor(() => expect(fake.inputsOf('cell.interrupt')).toEqual([{ journalId: journal.id }]));
    expect(fake.inputsOf('cell.input')).toEqual([{ journalId: journal.id, data: 'yes\r' }]);
  });

  it('shows a cursor only while the command runs', async () => {
    const { term, rerender } = await setup(false);
    const theme = () => (term.options as unknown as { theme: { cursor: string; background: string } }).theme;
    expect(theme().cursor).toBe(theme().background);

    rerender(true);
    expect(theme().cursor).not.toBe(theme().background);
  });

  it("leaves the shell's width to the cell list: a view that starts running sends no size of its own", async () => {
    const { fake, state, rerender } = await setup(false);
    rerender(true);
    await nextFrame();
    expect(fake.inputsOf('cell.resize')).toEqual([]);
    // The cell list's reports reach main once per change of size.
    for (const cols of [100, 100, 120, 120]) state().resizeShell(cols, 24);
    await vi.waitFor(() => expect(fake.inputsOf('cell.resize').map((input) => input.cols)).toEqual([100, 120]));
  });

  it('counts the columns an output shows as xterm does: the cell and output padding and the scrollbar taken off', () => {
    // 900 px list: 2 px of cell border, 16 of padding, 14 of scrollbar leave 868 px, 111 characters of 7.8 px.
    expect(terminalColumns(900, 7.8)).toBe(111);
    expect(terminalColumns(100, 7.8)).toBe(10);
  });

  it('grows with its output up to 20 rows, then scrolls', async () => {
    const { state, term } = await setup(true);

    state().outputs.data('cell-1', 'one\ntwo\nthree');
    await nextFrame();
    expect(term.rows).toBe(3);

    state().outputs.data('cell-1', 'line\n'.repeat(50));
    await nextFrame();
    expect(term.rows).toBe(20);
  });

  it('starts over when the cell runs again', async () => {
    const { state, term } = await setup(false);
    state().outputs.data('cell-1', 'old');
    await nextFrame();

    state().outputs.started('cell-1');

    expect(term.written.at(-1)).toBe('<reset>');
  });

  it('lets go of the terminal and the output when it unmounts', async () => {
    const { state, term, unmount } = await setup(true);

    unmount();
    state().outputs.data('cell-1', 'late');
    await nextFrame();

    expect(term.disposed).toBe(true);
    expect(term.written).toEqual([]);
  });
});
