import { FitAddon } from '@xterm/addon-fit';
import { Terminal, type ITheme } from '@xterm/xterm';
import { useEffect, useRef } from 'react';
import { useApp } from '../../app/context';
import { currentTheme, onThemeChange, type Theme } from '../../app/layout/theme';
import { useJournalStore } from '../context';
import type { OutputSink } from '../store/outputHub';
import { TerminalFeed } from './terminalFeed';
import { TERMINAL_FONT, TERMINAL_PADDING_X } from './terminalSize';

/** Enough for 100k lines of output; xterm allocates lines only as they come. */
const SCROLLBACK_LINES = 100_000;
/** The view grows with its output up to this many rows, then scrolls. */
const MAX_VISIBLE_ROWS = 20;

/** The output's colours in each page theme; the backgrounds are styles.css's --terminal. Light ANSI colours as VS Code's light terminal. */
const THEMES: Record<Theme, ITheme> = {
  light: {
    background: '#fafbfc',
    foreground: '#1d2330',
    cursor: '#1d2330',
    selectionBackground: '#c9d4f5',
    black: '#000000',
    red: '#cd3131',
    green: '#107c10',
    yellow: '#949800',
    blue: '#0451a5',
    magenta: '#bc05bc',
    cyan: '#0598bc',
    white: '#555555',
    brightBlack: '#666666',
    brightRed: '#cd3131',
    brightGreen: '#14ce14',
    brightYellow: '#b5ba00',
    brightBlue: '#0451a5',
    brightMagenta: '#bc05bc',
    brightCyan: '#0598bc',
    brightWhite: '#a5a5a5',
  },
  dark: { background: '#111318', foreground: '#e3e6ee', cursor: '#e3e6ee', selectionBackground: '#3d4a66' },
};

/** A finished cell shows no cursor, nothing listens to its keys: the cursor takes the background's colour. */
function terminalTheme(theme: Theme, running: boolean): ITheme {
  const colours = THEMES[theme];
  return running ? colours : { ...colours, cursor: colours.background, cursorAccent: colours.foreground };
}

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
  const runningNow = useRef(running);
  const hadStoredRun = useRef(hasStoredRun);

  useEffect(() => {
    const term = new Terminal({
      scrollback: SCROLLBACK_LINES,
      convertEol: true,
      disableStdin: true,
      rows: 1,
      fontFamily: TERMINAL_FONT.family,
      fontSize: TERMINAL_FONT.size,
      lineHeight: 1.15,
      cursorInactiveStyle: 'none',
      theme: terminalTheme(currentTheme(), runningNow.current),
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host.current!);
    // On xterm's own element, where the fit addon subtracts it (terminalColumns counts the same).
    if (term.element) term.element.style.padding = `6px ${TERMINAL_PADDING_X}px 2px`;
    terminal.current = term;
    const themeChanged = onThemeChange((theme) => (term.options.theme = terminalTheme(theme, runningNow.current)));

    const fitToContent = () => {
      const buffer = term.buffer.active;
      // xterm always shows the cursor's row at the bottom, so the rows run down to it.
      const rows = Math.min(MAX_VISIBLE_ROWS, buffer.baseY + buffer.cursorY + 1);
      const cols = Math.max(10, fit.proposeDimensions()?.cols ?? term.cols);
      if (rows !== term.rows || cols !== term.cols) term.resize(cols, rows);
    };

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

    // The shell's width follows the cell list (useShellColumns); this keeps the view's own columns in step.
    let resizeFrame = 0;
    const resized = new ResizeObserver(() => {
      cancelAnimationFrame(resizeFrame);
      resizeFrame = requestAnimationFrame(fitToContent);
    });
    resized.observe(host.current!);

    return () => {
      themeChanged.dispose();
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
    term.options.theme = terminalTheme(currentTheme(), running);
  }, [running]);

  return <div ref={host} role="region" aria-label="Output" className={`terminal${running ? ' running' : ''}`} />;
}
