import { useEffect, type RefObject } from 'react';
import { useJournalStore } from '../context';

/** The output's font; xterm measures its cells from it, and so does terminalColumns. */
export const TERMINAL_FONT = { family: 'ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace', size: 13 };
/** The height the shell is told about, for programs that draw a full screen. */
export const SHELL_ROWS = 24;
/** Room xterm keeps at the right for its scrollbar (the fit addon's default), and the cell's border on each side (styles.css .cell). */
const SCROLLBAR_PX = 14;
const CELL_BORDER_PX = 1;
/** The output's padding on the left and the right (TerminalView sets it on xterm's element, where the fit addon reads it). */
export const TERMINAL_PADDING_X = 8;

let charWidth: number | null = null;

/** One character's width, measured as xterm measures it (canvas text metrics of a "W"); null where there is no canvas. */
function measureCharWidth(): number | null {
  if (charWidth) return charWidth;
  if (typeof OffscreenCanvas === 'undefined') return null;
  const context = new OffscreenCanvas(10, 10).getContext('2d');
  if (!context) return null;
  context.font = `${TERMINAL_FONT.size}px ${TERMINAL_FONT.family}`;
  const width = context.measureText('W').width;
  charWidth = width > 0 ? width : null;
  return charWidth;
}

/** How many columns an output in a cell list this wide shows: what xterm's fit addon computes for each cell's terminal. */
export function terminalColumns(listWidth: number, characterWidth: number): number {
  const available = listWidth - 2 * CELL_BORDER_PX - 2 * TERMINAL_PADDING_X - SCROLLBAR_PX;
  return Math.max(10, Math.floor(available / characterWidth));
}

/**
 * Keeps the journal's shell as wide as the step's outputs, whether or not a command runs: a command's first
 * `tput cols` (or `ls`, `git log` layout) already sees the width its output is shown at.
 */
export function useShellColumns(list: RefObject<HTMLElement | null>): void {
  const store = useJournalStore();
  useEffect(() => {
    const element = list.current;
    if (!element) return;
    let frame = 0;
    const tell = () => {
      const width = measureCharWidth();
      if (width && element.clientWidth > 0) store.getState().resizeShell(terminalColumns(element.clientWidth, width), SHELL_ROWS);
    };
    tell();
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(tell);
    });
    observer.observe(element);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
    };
  }, [list, store]);
}
