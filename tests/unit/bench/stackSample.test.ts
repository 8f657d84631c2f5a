// Pure parts of the stack latency bench: which request answered the keystroke, and how its time splits.
import { describe, expect, it } from 'vitest';
import { answeringRequest, percentile, sampleOf } from '../../bench/stackSample';

describe('answeringRequest', () => {
  it('is the first request after the keystroke for the text it left, not a request for the text before it sent meanwhile', () => {
    const sent = [
      { requestId: 'a', prefix: 'x\nlet v1 =' },
      // The typing's last request, whose debounce ended as the key went down: the keystroke cancels it.
      { requestId: 'b', prefix: 'x\nlet v2 =' },
      { requestId: 'c', prefix: 'x\nlet v2 = ' },
      { requestId: 'd', prefix: 'x\nlet v2 = ' },
    ];
    expect(answeringRequest(sent, 1, 'let v2 = ')?.requestId).toBe('c');
    expect(answeringRequest(sent, 1, 'let v3 = ')).toBeUndefined();
    expect(answeringRequest(sent, 4, 'let v2 = ')).toBeUndefined();
  });
});

describe('sampleOf', () => {
  it('splits the keystroke-to-ghost time into debounce, page before and after, wire and engine', () => {
    const sample = sampleOf({ keyAt: 1_000, sentAt: 1_306, repliedAt: 6_320, firstGhostAt: 3_500, ghostAt: 6_331 }, 300, { timeToFirstTokenMs: 2_000, totalMs: 5_000, promptTokens: 3_400, computedTokens: 12 });
    expect(sample).toEqual({
      firstGhostMs: 2_500,
      ghostMs: 5_331,
      debounceMs: 300,
      engineTtftMs: 2_000,
      engineTotalMs: 5_000,
      keyToRequestMs: 6,
      wireMs: 14,
      answerToGhostMs: 11,
      pageMs: 17,
      stackMs: 31,
      stackWithDebounceMs: 331,
      promptTokens: 3_400,
      computedTokens: 12,
    });
    // The parts add up to the whole.
    expect(sample.debounceMs + sample.keyToRequestMs + sample.wireMs + sample.engineTotalMs + sample.answerToGhostMs).toBe(sample.ghostMs);
  });
});

describe('percentile', () => {
  it('is a measured value (nearest rank)', () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([5, 1, 3, 2, 4], 95)).toBe(5);
    expect(percentile([], 50)).toBeNaN();
  });
});
