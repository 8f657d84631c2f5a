import { describe, expect, it } from 'vitest';
import { MarkerParser, unescapeValue, type ShellEvent } from '../../../main/pty/markerParser';

const NONCE = '0123456789abcdef';
const A = `\x1b]133;A;${NONCE}\x07`;
const B = `\x1b]133;B;${NONCE}\x07`;
const C = `\x1b]133;C;${NONCE}\x07`;
const D = (code: number): string => `\x1b]133;D;${NONCE};${code}\x07`;
const CWD = (path: string): string => `\x1b]633;P;${NONCE};Cwd=${path}\x07`;

function parse(chunks: string[]): ShellEvent[] {
  const events: ShellEvent[] = [];
  const parser = new MarkerParser(NONCE, (event) => {
    const last = events[events.length - 1];
    // Text may arrive in pieces; join them to compare what was said, not how it was cut.
    if (event.kind === 'text' && last?.kind === 'text') last.text += event.text;
    else events.push({ ...event });
  });
  for (const chunk of chunks) parser.feed(chunk);
  return events;
}

const stream = `${A}$ ${B}echo hi\r\n${C}\x1b[32mhi\x1b[0m\r\n${CWD('/tmp/a\\\\b')}${D(0)}${A}$ ${B}`;
const expected: ShellEvent[] = [
  { kind: 'text', text: '$ ' },
  { kind: 'promptEnd' },
  { kind: 'text', text: 'echo hi\r\n' },
  { kind: 'commandStart' },
  { kind: 'text', text: '\x1b[32mhi\x1b[0m\r\n' },
  { kind: 'cwd', cwd: '/tmp/a\\b' },
  { kind: 'commandEnd', exitCode: 0 },
  { kind: 'text', text: '$ ' },
  { kind: 'promptEnd' },
];

describe('MarkerParser', () => {
  it('cuts the stream at the markers and keeps everything else as text', () => {
    expect(parse([stream])).toEqual(expected);
  });

  it('finds markers split across chunks at any point', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      expect(parse([stream.slice(0, cut), stream.slice(cut)]), `cut at ${cut}`).toEqual(expected);
    }
    expect(parse([...stream])).toEqual(expected);
  });

  it('treats markers without the nonce, or with another one, as text', () => {
    const fakes = `\x1b]133;D;0\x07\x1b]133;D;fedcba9876543210;0\x07\x1b]133;C\x1b\\`;
    expect(parse([C, fakes, D(2)])).toEqual([
      { kind: 'commandStart' },
      { kind: 'text', text: fakes },
      { kind: 'commandEnd', exitCode: 2 },
    ]);
  });

  it('does not hold back text that only starts like a marker', () => {
    const unterminated = `\x1b]133;D;${NONCE};${'x'.repeat(20_000)}`;
    expect(parse([unterminated])).toEqual([{ kind: 'text', text: unterminated }]);
    const events: ShellEvent[] = [];
    const parser = new MarkerParser(NONCE, (event) => events.push(event));
    parser.feed(`text\x1b]133;D;${NONCE};0\x1b[0m`);
    expect(events).toEqual([{ kind: 'text', text: `text\x1b]133;D;${NONCE};0\x1b[0m` }]);
  });

  it('unescapes the cwd', () => {
    expect(unescapeValue('/a\\\\b\\x0ac\\x07')).toBe('/a\\b\nc\x07');
  });
});
