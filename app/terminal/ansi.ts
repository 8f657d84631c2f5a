/**
 * Terminal output as stored for a cell keeps text and colours (SGR) and nothing else:
 * when it is shown again it must not move the cursor, set titles, write the clipboard (OSC 52),
 * or do anything else a live program asked for.
 */

// CSI: ESC [ params intermediates final. OSC/DCS/APC/PM/SOS: ESC ] ... (BEL | ESC \ | ST), or their 8-bit
// C1 forms (0x9d OSC, 0x90 DCS, 0x98/0x9e/0x9f), which xterm.js obeys too. Other ESC x: two bytes.
const ESCAPE = /\x1b\[([0-?]*)([ -/]*)([@-~])|(?:\x1b[\]P^_X]|[\x90\x98\x9d\x9e\x9f])[\s\S]*?(?:\x07|\x1b\\|\x9c)|(?:\x1b[\]P^_X]|[\x90\x98\x9d\x9e\x9f])[\s\S]*$|\x1b[ -/]*[0-~]?|\x9b[0-?]*[ -/]*[@-~]/g;
// Control characters other than tab, newline, carriage return and backspace, C1 controls included.
const CONTROL = /[\x00-\x07\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f-\x9f]/g;

/** Keeps SGR colour sequences (ESC [ ... m) and plain text; drops every other escape and control character. */
export function keepTextAndColours(output: string): string {
  return output
    .replace(ESCAPE, (match, params: string | undefined, intermediates: string | undefined, final: string | undefined) =>
      final === 'm' && intermediates === '' && /^[0-9;:]*$/.test(params ?? '') ? match : '',
    )
    .replace(CONTROL, '');
}

// What moves along one line (CR, backspace, CSI G/C/D) or erases it (CSI K): kept for `plainText` to resolve.
const LINE_EDIT = /\x1b\[([0-9;]*)([GKCD])|\r|\x08|[^\r\x08\x1b]/gu;

/** One line as a terminal ends up showing it: carriage returns, backspaces and erases applied (a spinner leaves nothing). */
function finalLine(line: string): string {
  if (!/[\r\x08\x1b]/.test(line)) return line;
  const cells: string[] = [];
  let col = 0;
  for (const [token, params, final] of line.matchAll(LINE_EDIT)) {
    const n = Number.parseInt(params?.split(';')[0] ?? '', 10);
    if (token === '\r') col = 0;
    else if (token === '\x08') col = Math.max(0, col - 1);
    else if (final === 'G') col = Math.max(0, (n || 1) - 1);
    else if (final === 'C') col += n || 1;
    else if (final === 'D') col = Math.max(0, col - (n || 1));
    else if (final === 'K') {
      if (!n) cells.length = Math.min(cells.length, col);
      else if (n === 1) cells.fill(' ', 0, Math.min(cells.length, col + 1));
      else cells.length = 0;
    } else {
      while (cells.length < col) cells.push(' ');
      cells[col++] = token;
    }
  }
  return cells.join('').trimEnd();
}

/** Plain text for search and export: no escapes at all, each line as the terminal left it (overwrites and erases applied). */
export function plainText(output: string): string {
  return output
    .replace(ESCAPE, (match, params: string | undefined, intermediates: string | undefined, final: string | undefined) =>
      intermediates === '' && /^[0-9;]*$/.test(params ?? '') && final !== undefined && 'GKCD'.includes(final) ? match : '',
    )
    .replace(CONTROL, '')
    .replace(/\r+\n/g, '\n')
    .split('\n')
    .map(finalLine)
    .join('\n');
}
