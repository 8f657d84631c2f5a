import type { Journal } from '../journal/schema';

/**
 * Characters that change how text reads without being seen (Trojan Source, CVE-2021-42574): bidirectional
 * controls reorder what is displayed, and zero-width, format, control and space-like characters hide in it.
 * A cloned journal's command can look like a comment yet run something else, so every such character is
 * shown as a marker naming its code point, as VS Code and GitHub do. The text itself is never changed.
 *
 * Invisible: controls other than tab and newline, format characters, default-ignorables (variation
 * selectors, Hangul fillers, tags), line and paragraph separators, lone surrogates, every space but U+0020,
 * and the braille blank, which looks like a space.
 */
const INVISIBLE = /(?![ \t\n])[\p{Cc}\p{Cf}\p{Cs}\p{Zs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800]/u;
const BIDI_CONTROL = /\p{Bidi_Control}/u;
const PICTOGRAPH = /\p{Extended_Pictographic}/u;
/** What may stand before a joiner inside an emoji: the pictograph, its variation selector or skin tone. */
const JOINABLE = /[\p{Extended_Pictographic}\p{Emoji_Modifier}\ufe0f]/u;
const ZERO_WIDTH_JOINER = '\u200d';
const VARIATION_SELECTORS = new Set(['\ufe0e', '\ufe0f']);

export type InvisibleKind = 'bidi' | 'invisible';

export interface InvisibleChar {
  /** UTF-16 offset in the text. */
  index: number;
  codePoint: number;
  kind: InvisibleKind;
}

/** A run of ordinary text, or one invisible character to show as its marker. */
export type TextPart = { text: string } | { invisible: InvisibleChar };

const NAMES: Record<number, string> = {
  0x061c: 'arabic letter mark',
  0x200b: 'zero width space',
  0x200c: 'zero width non-joiner',
  0x200d: 'zero width joiner',
  0x200e: 'left-to-right mark',
  0x200f: 'right-to-left mark',
  0x202a: 'left-to-right embedding',
  0x202b: 'right-to-left embedding',
  0x202c: 'pop directional formatting',
  0x202d: 'left-to-right override',
  0x202e: 'right-to-left override',
  0x2066: 'left-to-right isolate',
  0x2067: 'right-to-left isolate',
  0x2068: 'first strong isolate',
  0x2069: 'pop directional isolate',
  0x00a0: 'no-break space',
  0x00ad: 'soft hyphen',
  0x2060: 'word joiner',
  0xfeff: 'zero width no-break space',
  0x000d: 'carriage return',
  0x001b: 'escape',
};

/**
 * Where `text` holds invisible or bidirectional characters. A joiner or variation selector inside an emoji
 * (❤️, 👩‍🚀) is part of a visible glyph and is left alone.
 */
export function findInvisibles(text: string): InvisibleChar[] {
  const found: InvisibleChar[] = [];
  if (!INVISIBLE.test(text)) return found;
  const chars = Array.from(text);
  let index = 0;
  chars.forEach((char, i) => {
    if (isInvisible(char, chars[i - 1], chars[i + 1])) {
      const codePoint = char.codePointAt(0)!;
      found.push({ index, codePoint, kind: BIDI_CONTROL.test(char) ? 'bidi' : 'invisible' });
    }
    index += char.length;
  });
  return found;
}

function isInvisible(char: string, before = '', after = ''): boolean {
  if (!INVISIBLE.test(char)) return false;
  if (VARIATION_SELECTORS.has(char)) return !PICTOGRAPH.test(before);
  if (char === ZERO_WIDTH_JOINER) return !(JOINABLE.test(before) && PICTOGRAPH.test(after));
  return true;
}

/** `text` cut into ordinary runs and the invisible characters between them, for display. */
export function splitInvisibles(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let from = 0;
  for (const invisible of findInvisibles(text)) {
    if (invisible.index > from) parts.push({ text: text.slice(from, invisible.index) });
    parts.push({ invisible });
    from = invisible.index + String.fromCodePoint(invisible.codePoint).length;
  }
  if (from < text.length || parts.length === 0) parts.push({ text: text.slice(from) });
  return parts;
}

/** The visible stand-in for one character: `⟨U+202E⟩`. */
export function invisibleMarker(codePoint: number): string {
  return `⟨U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}⟩`;
}

/** What the character is, for a tooltip: `U+202E right-to-left override (bidirectional control)`. */
export function describeInvisible(char: InvisibleChar): string {
  const code = invisibleMarker(char.codePoint).slice(1, -1);
  const name = NAMES[char.codePoint];
  const what = char.kind === 'bidi' ? 'bidirectional control: text may run in another order than shown' : 'invisible character';
  return name ? `${code} ${name} (${what})` : `${code} (${what})`;
}

/** `text` with each invisible character replaced by its marker, where only plain text fits (a tooltip, a label). */
export function showInvisibles(text: string): string {
  return splitInvisibles(text)
    .map((part) => ('text' in part ? part.text : invisibleMarker(part.invisible.codePoint)))
    .join('');
}

export interface JournalInvisibles {
  /** Commands holding at least one invisible or bidirectional character. */
  commands: number;
  /** Step titles holding at least one. */
  stepTitles: number;
  /** The first one found, to show what its marker looks like. */
  first: InvisibleChar | null;
}

/** How many of a journal's commands and step titles hide characters: the trust banner warns about them. */
export function journalInvisibles(journal: Journal): JournalInvisibles {
  const result: JournalInvisibles = { commands: 0, stepTitles: 0, first: null };
  const count = (text: string): boolean => {
    const found = findInvisibles(text)[0];
    result.first ??= found ?? null;
    return found !== undefined;
  };
  for (const step of journal.steps) {
    if (count(step.title)) result.stepTitles++;
    for (const cell of step.cells) if (count(cell.command)) result.commands++;
  }
  return result;
}
