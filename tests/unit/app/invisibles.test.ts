import { describe, expect, it } from 'vitest';
import { createJournal, newStep, type Journal } from '../../../app/journal/schema';
import { describeInvisible, findInvisibles, journalInvisibles, showInvisibles, splitInvisibles } from '../../../app/text/invisibles';

// The report's Trojan Source command: displayed, it reads `echo hello # ; touch X;:`, a comment; bash runs the touch.
const TROJAN = 'echo hello \u202E\u2066; touch X;:\u2069 \u2066#\u2069\u202C';

describe('invisible and bidirectional characters', () => {
  it('finds every bidi control of the Trojan Source command, by offset and kind', () => {
    expect(findInvisibles(TROJAN)).toEqual([
      { index: 11, codePoint: 0x202e, kind: 'bidi' },
      { index: 12, codePoint: 0x2066, kind: 'bidi' },
      { index: 24, codePoint: 0x2069, kind: 'bidi' },
      { index: 26, codePoint: 0x2066, kind: 'bidi' },
      { index: 28, codePoint: 0x2069, kind: 'bidi' },
      { index: 29, codePoint: 0x202c, kind: 'bidi' },
    ]);
    expect(showInvisibles(TROJAN)).toBe('echo hello ⟨U+202E⟩⟨U+2066⟩; touch X;:⟨U+2069⟩ ⟨U+2066⟩#⟨U+2069⟩⟨U+202C⟩');
  });

  it.each([
    ['zero width space', 'rm -rf build\u200B/', 0x200b],
    ['zero width joiner between letters', 'ls a\u200Db', 0x200d],
    ['no-break space, which bash reads as part of a word', 'rm -rf /tmp/x\u00A0/', 0xa0],
    ['em space', 'a\u2003b', 0x2003],
    ['ideographic space', 'a\u3000b', 0x3000],
    ['soft hyphen', 'cur\u00ADl', 0xad],
    ['word joiner', 'a\u2060b', 0x2060],
    ['byte order mark', '\uFEFFecho', 0xfeff],
    ['carriage return', 'echo ok\rrm x', 0x0d],
    ['escape', 'echo \u001b[8mhidden', 0x1b],
    ['backspace', 'echo safe\b\b\b\bx', 0x08],
    ['delete', 'a\u007Fb', 0x7f],
    ['line separator', 'a\u2028b', 0x2028],
    ['Hangul filler', 'a\u3164b', 0x3164],
    ['braille blank', 'a\u2800b', 0x2800],
    ['tag character', 'a\u{E0041}b', 0xe0041],
    ['variation selector after a letter', 'a\uFE0Fb', 0xfe0f],
    ['lone surrogate', 'a\uD800b', 0xd800],
  ])('finds a %s', (_name, text, codePoint) => {
    expect(findInvisibles(text).map((found) => found.codePoint)).toContain(codePoint);
    expect(showInvisibles(text)).not.toBe(text);
    expect(showInvisibles(text)).toContain(`⟨U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}⟩`);
  });

  it('also calls the Arabic letter mark and the directional marks bidi', () => {
    expect(findInvisibles('a\u061Cb\u200Ec\u200Fd').map((found) => found.kind)).toEqual(['bidi', 'bidi', 'bidi']);
  });

  it('leaves ordinary text alone: spaces, tabs, newlines, accents, right-to-left letters and emoji', () => {
    for (const text of ['echo "a\tb"\nls -la', 'café naïve 日本語', 'echo שלום مرحبا', 'git commit -m "❤️ 👩🏽‍🚀 ❤️‍🔥 ✨"', '']) {
      expect(findInvisibles(text)).toEqual([]);
      expect(showInvisibles(text)).toBe(text);
    }
  });

  it('still finds a joiner that joins no emoji, or a selector after one that is not a pictograph', () => {
    expect(findInvisibles('👩\u200Dx').map((found) => found.codePoint)).toEqual([0x200d]);
    expect(findInvisibles('x\u200D👩').map((found) => found.codePoint)).toEqual([0x200d]);
    expect(findInvisibles('👩\u200D').map((found) => found.codePoint)).toEqual([0x200d]);
  });

  it('splits text into runs and characters, keeping every character of the original', () => {
    const text = 'a\u{E0041}b\u202E';
    const parts = splitInvisibles(text);
    expect(parts).toEqual([
      { text: 'a' },
      { invisible: { index: 1, codePoint: 0xe0041, kind: 'invisible' } },
      { text: 'b' },
      { invisible: { index: 4, codePoint: 0x202e, kind: 'bidi' } },
    ]);
    const rejoined = parts.map((part) => ('text' in part ? part.text : String.fromCodePoint(part.invisible.codePoint))).join('');
    expect(rejoined).toBe(text);
    expect(splitInvisibles('')).toEqual([{ text: '' }]);
  });

  it('describes a character by code point, name and kind', () => {
    expect(describeInvisible({ index: 0, codePoint: 0x202e, kind: 'bidi' })).toMatch(/^U\+202E right-to-left override \(bidirectional control/);
    expect(describeInvisible({ index: 0, codePoint: 0x2003, kind: 'invisible' })).toBe('U+2003 (invisible character)');
  });

  it('counts the commands and step titles of a journal that hide characters', () => {
    const journal: Journal = createJournal('j1', 'Cloned', new Date('2026-01-01T00:00:00Z'));
    const clean = newStep('s1', 'Setup');
    clean.cells.push({ id: 'c1', command: 'npm ci', collapsed: false, lastRun: null });
    const tricky = newStep('s2', 'Deploy\u200B');
    tricky.cells.push(
      { id: 'c2', command: TROJAN, collapsed: false, lastRun: null },
      { id: 'c3', command: 'ls\u00A0-la', collapsed: false, lastRun: null },
      { id: 'c4', command: 'echo ok', collapsed: false, lastRun: null },
    );
    expect(journalInvisibles({ ...journal, steps: [clean] })).toEqual({ commands: 0, stepTitles: 0, first: null });
    expect(journalInvisibles({ ...journal, steps: [clean, tricky] })).toEqual({
      commands: 2,
      stepTitles: 1,
      first: { index: 6, codePoint: 0x200b, kind: 'invisible' },
    });
  });
});
