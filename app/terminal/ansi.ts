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

/** Plain text for search and export: no escapes at all, carriage-return overwrites collapsed. */
export function plainText(output: string): string {
  return keepTextAndColours(output)
    .replace(/\x1b\[[0-9;:]*m/g, '')
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((line) => {
      const parts = line.split('\r').filter((part) => part !== '');
      return parts[parts.length - 1] ?? '';
    })
    .join('\n');
}
