// Token healing's parts on a small fake vocabulary: which prompt end is taken back, which tokens may then follow,
// and how much of their text is new.
import { describe, expect, it } from 'vitest';
import { HealingConstraint, healTail, TokenPieceIndex, type PieceSource } from '../../../../assistant/engine/healing';

/** Id = index; '<eot>' is the end of generation, '<pre>' a control token; the rest are their UTF-8 bytes. */
const VOCAB = ['<eot>', '<pre>', ' ', ' x', ' return', 'return', ';', 'x', '  ', '   ', '\n', '0', ' 0', '\xE2', '\u20AC', '  x'];
const EURO_START = VOCAB.indexOf('\xE2'); // the first byte of '€' alone, as byte-level vocabularies have it

const source: PieceSource = {
  info: { nVocab: VOCAB.length },
  tokenPiece: (t) => (t === EURO_START ? Uint8Array.of(0xe2) : new TextEncoder().encode(VOCAB[t]!)),
  isControl: (t) => t === 1,
  isEog: (t) => t === 0,
};
const id = (text: string): number => VOCAB.indexOf(text);
const logits = (values: Record<string, number>): Float32Array => {
  const row = new Float32Array(VOCAB.length).fill(-5);
  for (const [text, v] of Object.entries(values)) row[id(text)] = v;
  return row;
};
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('token healing', () => {
  const index = new TokenPieceIndex(source);

  it('takes back a last token that longer tokens begin with, and says its text', () => {
    const prompt = [id('return'), id(' ')];
    expect(healTail(prompt, index)).toEqual({ tokens: [id('return')], text: ' ' });
  });

  it('keeps a last token that nothing extends, a control token, and bytes that are not whole characters', () => {
    for (const last of [';', '<pre>', '\xE2']) {
      const prompt = [id('return'), id(last)];
      expect(healTail(prompt, index)).toEqual({ tokens: prompt, text: '' });
    }
    expect(healTail([], index).text).toBe('');
  });

  it('lets only tokens that write the taken-back text again be chosen, the best of them', () => {
    const healing = new HealingConstraint(index, ' ');
    expect(healing.active).toBe(true);
    // '0' and ';' score higher but do not start with a space; ' x' is the best that does.
    expect(healing.pick(logits({ '0': 9, ';': 8, ' x': 3, ' 0': 2, ' ': 1 }))).toBe(id(' x'));
    const row = logits({ '0': 9, ' x': 3, ' ': 1 });
    healing.mask(row);
    expect(row[id('0')]).toBe(-Infinity);
    expect(row[id('<eot>')]).toBe(-Infinity);
    expect(row[id(' x')]).toBe(3);
    expect(row[id(' ')]).toBe(1);
  });

  it('cuts the taken-back text from the answer and is done after it', () => {
    const healing = new HealingConstraint(index, ' ');
    expect(text(healing.accept(id(' x'), bytes(' x')))).toBe('x');
    expect(healing.active).toBe(false);
    expect(text(healing.accept(id(';'), bytes(';')))).toBe(';');
  });

  it('heals over several tokens when the first chosen one writes only the start of the text', () => {
    const healing = new HealingConstraint(index, '   ');
    // Tokens that begin with three spaces, or are the start of them.
    expect(healing.pick(logits({ '  ': 4, '   ': 3, ' x': 9 }))).toBe(id('  '));
    expect(text(healing.accept(id('  '), bytes('  ')))).toBe('');
    expect(healing.active).toBe(true);
    expect(healing.pick(logits({ ' x': 5, x: 9, ' ': 1 }))).toBe(id(' x'));
    expect(text(healing.accept(id(' x'), bytes(' x')))).toBe('x');
    expect(healing.active).toBe(false);
  });

  it('always allows the taken-back token itself, so the prompt as typed stays possible', () => {
    const healing = new HealingConstraint(index, '\u20AC');
    expect(healing.pick(logits({ x: 9 }))).toBe(id('\u20AC'));
  });
});
