import { describe, expect, it } from 'vitest';
import { FEED_IN_FLIGHT_CHARS, FEED_SLICE_CHARS, TerminalFeed } from '../../../renderer/journal/cells/terminalFeed';

/** xterm.js as the feed sees it: writes wait unparsed until the test parses them; frames run when the test says. */
function harness() {
  const writes: { data: string; parsed: () => void }[] = [];
  const log: string[] = [];
  const frames: (() => void)[] = [];
  let parsedCalls = 0;
  const feed = new TerminalFeed(
    {
      write: (data, parsed) => {
        writes.push({ data, parsed });
        log.push(`write ${data.length}`);
      },
      reset: () => log.push('reset'),
    },
    () => parsedCalls++,
    (callback) => frames.push(callback),
    () => undefined,
  );
  const unparsed = () => writes.reduce((sum, w) => sum + w.data.length, 0);
  return {
    feed,
    writes,
    log,
    parsedCalls: () => parsedCalls,
    unparsed,
    runFrames: () => frames.splice(0).forEach((frame) => frame()),
    /** xterm parses the oldest write and calls back, as its write loop does. */
    parseOne: () => writes.shift()!.parsed(),
  };
}

describe('TerminalFeed', () => {
  it('writes the chunks of one frame as one write', () => {
    const h = harness();
    for (const chunk of ['a', 'b', 'c']) h.feed.push(chunk);
    expect(h.writes).toEqual([]);
    h.runFrames();
    expect(h.writes.map((w) => w.data)).toEqual(['abc']);
  });

  it('hands a flood to xterm in bounded slices, never more than the in-flight bound unparsed, and loses nothing', () => {
    const h = harness();
    const flood = Array.from({ length: 40 }, (_, i) => String.fromCharCode(97 + (i % 26)).repeat(50_000)).join('');
    h.feed.push(flood.slice(0, 1_000_000));
    h.feed.push(flood.slice(1_000_000));
    h.runFrames();
    let written = '';
    let most = 0;
    while (h.writes.length > 0) {
      most = Math.max(most, h.unparsed());
      expect(h.writes.every((w) => w.data.length <= FEED_SLICE_CHARS)).toBe(true);
      written += h.writes[0]!.data;
      h.parseOne();
    }
    expect(most).toBeLessThanOrEqual(FEED_IN_FLIGHT_CHARS);
    expect(written).toBe(flood);
  });

  it('tells the view once the last write is parsed', () => {
    const h = harness();
    h.feed.push('x'.repeat(FEED_SLICE_CHARS + 10));
    h.runFrames();
    expect(h.writes).toHaveLength(2);
    h.parseOne();
    expect(h.parsedCalls()).toBe(0);
    h.parseOne();
    expect(h.parsedCalls()).toBe(1);
  });

  it('clears the terminal only after what it already has is parsed, and before anything newer', () => {
    const h = harness();
    h.feed.push('old run');
    h.runFrames();
    h.feed.push('dropped: never written');
    h.feed.reset();
    h.feed.push('new run');
    h.runFrames();
    expect(h.log).toEqual(['write 7']);
    h.parseOne();
    expect(h.log).toEqual(['write 7', 'reset', 'write 7']);
    expect(h.writes.map((w) => w.data)).toEqual(['new run']);
  });

  it('writes nothing after it is disposed', () => {
    const h = harness();
    h.feed.push('late');
    h.feed.dispose();
    h.runFrames();
    expect(h.writes).toEqual([]);
  });
});
