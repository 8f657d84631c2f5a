import { describe, expect, it } from 'vitest';
import { keepTextAndColours, plainText } from '../../../app/terminal/ansi';

const ESC = '\x1b';
const BEL = '\x07';
const ST = `${ESC}\\`;

describe('keepTextAndColours', () => {
  it('keeps text and SGR colour sequences, including 256-colour and truecolour forms', () => {
    const coloured = `${ESC}[1;31merror${ESC}[0m plain ${ESC}[38;5;208morange${ESC}[m ${ESC}[38:2::255:0:0mred${ESC}[39m`;
    expect(keepTextAndColours(coloured)).toBe(coloured);
    expect(keepTextAndColours('tab\there\r\nnext')).toBe('tab\there\r\nnext');
  });

  it('drops cursor moves, erases and mode changes', () => {
    const moves = `a${ESC}[2Ab${ESC}[10;20Hc${ESC}[2Jd${ESC}[Ke${ESC}[?25lf${ESC}[?1049hg${ESC}[>1m`;
    expect(keepTextAndColours(moves)).toBe('abcdefg');
  });

  it('drops an SGR-looking sequence with intermediates or private markers', () => {
    expect(keepTextAndColours(`x${ESC}[?1my${ESC}[1 mz`)).toBe('xyz');
  });

  it('drops OSC title, clipboard (OSC 52) and hyperlink (OSC 8) sequences, with BEL or ST', () => {
    expect(keepTextAndColours(`${ESC}]0;pwned title${BEL}hello`)).toBe('hello');
    expect(keepTextAndColours(`${ESC}]52;c;ZWNobyBldmls${ST}hello`)).toBe('hello');
    expect(keepTextAndColours(`${ESC}]8;;https://evil.example${ST}link${ESC}]8;;${ST}`)).toBe('link');
  });

  it('drops DCS, APC, PM and SOS strings, and an unterminated one up to the end', () => {
    expect(keepTextAndColours(`a${ESC}P1$r0m${ST}b${ESC}_apc${ST}c${ESC}^pm${ST}d${ESC}Xsos${ST}e`)).toBe('abcde');
    expect(keepTextAndColours(`visible${ESC}]52;c;never-terminated`)).toBe('visible');
  });

  it('drops other escapes (charset, keypad, reset) and a lone ESC', () => {
    expect(keepTextAndColours(`a${ESC}(0b${ESC}=c${ESC}cd${ESC}`)).toBe('abcd');
  });

  it('drops bare control characters but keeps tab, newline, carriage return and backspace', () => {
    expect(keepTextAndColours('a\x00b\x07c\x0bd\x0ce\x0ef\x7fg\x08\t\r\n')).toBe('abcdefg\x08\t\r\n');
  });

  it('drops 8-bit C1 controls, which xterm.js obeys: CSI, OSC, DCS and string terminators', () => {
    expect(keepTextAndColours('a\x9b2Jb')).toBe('ab');
    expect(keepTextAndColours(`a\x9d0;pwned title${BEL}b`)).toBe('ab');
    expect(keepTextAndColours('a\x9d52;c;ZXZpbA==\x9cb')).toBe('ab');
    expect(keepTextAndColours('a\x90q#0;2;0;0;0\x9cb\x85c')).toBe('abc');
    expect(keepTextAndColours(`a${ESC}]0;title\x9cb`)).toBe('ab');
  });

  it('keeps non-ASCII text', () => {
    expect(keepTextAndColours('héllo wörld — 日本 ✓ 🎉')).toBe('héllo wörld — 日本 ✓ 🎉');
  });
});

describe('plainText', () => {
  it('removes colours as well', () => {
    expect(plainText(`${ESC}[1;32mok${ESC}[0m done`)).toBe('ok done');
  });

  it('keeps what a carriage return overwrote last, as a progress bar ends', () => {
    expect(plainText('progress 10%\rprogress 50%\rprogress 100%\nnext\r\n')).toBe('progress 100%\nnext\n');
    expect(plainText('line one\r\nline two\r')).toBe('line one\nline two');
  });

  it('leaves each line as a terminal shows it: a spinner erased, a shorter overwrite keeps the rest, backspaces and cursor moves applied', () => {
    // npm's spinner: a frame, back to the start, erase to the end of the line; then the real text.
    expect(plainText(`⠙\r${ESC}[K⠹\r${ESC}[K\n> test\n`)).toBe('\n> test\n');
    expect(plainText(`${ESC}[1G⠙${ESC}[0K${ESC}[1Gdone\n`)).toBe('done\n');
    expect(plainText('abcdef\rxy')).toBe('xycdef');
    expect(plainText('abc\x08\x08X')).toBe('aXc');
    expect(plainText(`12345${ESC}[3D${ESC}[K!`)).toBe('12!');
    expect(plainText(`old${ESC}[2Knew`)).toBe('   new');
  });
});
