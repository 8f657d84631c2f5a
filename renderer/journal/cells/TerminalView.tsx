import { FitAddon } from '@xterm/addon-fit';
import { Terminal, type ITheme } from '@xterm/xterm';
import { useEffect, useRef } from 'react';
import { useApp } from '../../app/context';
import { useJournalStore } from '../context';
import type { OutputSink } from '../store/outputHub';
import { TerminalFeed } from './terminalFeed';

/** Enough for 100k lines of output; xterm allocates lines only as they come. */
const SCROLLBACK_LINES = 100_000;
/** The view grows with its output up to this many rows, then scrolls. */
const MAX_VISIBLE_ROWS = 20;
/** The height the shell is told about, for programs that draw a full screen. */
const SHELL_ROWS = 24;

const THEME: ITheme = {
  background: '#1d2230',
  foreground: '#e3e6ee',
  cursor: '#e3e6ee',
  selectionBackground: '#3d4a66',
};
/** A finished cell shows no cursor, nothing listens to its keys: the cursor takes the background's colour. */
const IDLE_THEME: ITheme = { ...THEME, cursor: THEME.background, cursorAccent: THEME.foreground };

interface Props {
  cellId: string;
  hasStoredRun: boolean;
  running: boolean;
}

/**
 * One cell's output in xterm.js. Output arrives through the journal's OutputHub, never through React
 * state, and is paced into the terminal by a TerminalFeed (one write per frame, bounded slices).
 */
export function TerminalView({ cellId, hasStoredRun, running }: Props) {
  const store = useJournalStore();
  const reportError = useApp((s) => s.reportError);
  const host = useRef<HTMLDivElement>(null);
  const terminal = useRef<Terminal | null>(null);
  const fitColumns = useRef<() => number>(() => 0);
  const runningNow = useRef(running);
  const hadStoredRun = useRef(hasStoredRun);

  useEffect(() => {
    const term = new Terminal({
      scrollback: SCROLLBACK_LINES,
      convertEol: true,
      disableStdin: true,
      rows: 1,
      fontFamily: 'ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace',
      fontSize: 13,
      lineHeight: 1.15,
      cursorInactiveStyle: 'none',
      theme: IDLE_THEME,
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host.current!);
    terminal.current = term;

    const fitToContent = () => {
      const buffer = term.buffer.active;
      // xterm always shows the cursor's row at the bottom, so the rows run down to it.
      const rows = Math.min(MAX_VISIBLE_ROWS, buffer.baseY + buffer.cursorY + 1);
      const cols = Math.max(10, fit.proposeDimensions()?.cols ?? term.cols);
      if (rows !== term.rows || cols !== term.cols) term.resize(cols, rows);
      return cols;
    };
    fitColumns.current = fitToContent;

    const feed = new TerminalFeed(
      {
        write: (data, parsed) => term.write(data, parsed),
        reset: () => {
          term.reset();
          fitToContent();
        },
      },
      fitToContent,
    );
    const sink: OutputSink = { reset: () => feed.reset(), write: (data) => feed.push(data) };
    const attached = store.getState().outputs.attach(cellId, sink, hadStoredRun.current);

    const typed = term.onData((data) => {
      if (!runningNow.current) return;
      if (data === '\x03') void store.getState().interrupt();
      else store.getState().sendInput(data);
    });
    // Ctrl+C with text selected copies it, as in other terminals; without a selection it interrupts.
    term.attachCustomKeyEventHandler((event) => {
      if (event.type === 'keydown' && event.ctrlKey && event.key === 'c' && term.hasSelection()) {
        void navigator.clipboard.writeText(term.getSelection()).catch(reportError);
        return false;
      }
      return true;
    });

    let resizeFrame = 0;
    const resized = new ResizeObserver(() => {
      cancelAnimationFrame(resizeFrame);
      resizeFrame = requestAnimationFrame(() => {
        const cols = fitToContent();
        if (runningNow.current) store.getState().resizeShell(cols, SHELL_ROWS);
      });
    });
    resized.observe(host.current!);

    return () => {
      feed.dispose();
      cancelAnimationFrame(resizeFrame);
      resized.disconnect();
      attached.dispose();
      typed.dispose();
      terminal.current = null;
      term.dispose();
    };
  }, [cellId, store, reportError]);

  useEffect(() => {
    runningNow.current = running;
    const term = terminal.current;
    if (!term) return;
    term.options.disableStdin = !running;
    term.options.theme = running ? THEME : IDLE_THEME;
    if (running) store.getState().resizeShell(fitColumns.current(), SHELL_ROWS);
  }, [running, store]);

  return <div ref={host} role="region" aria-label="Output" className={`terminal${running ? ' running' : ''}`} />;
}
