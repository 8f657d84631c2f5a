// bench:serve's arithmetic: Server-Timing read back, overhead split from the engine's time and the queue.
import { describe, expect, it } from 'vitest';
import { markdownTable, parseServerTiming, summarise } from '../../bench/serveSample';

describe('serve bench samples', () => {
  it("reads the server's engine and queue durations, and refuses a header without them", () => {
    expect(parseServerTiming('engine;dur=26.125, queue;dur=2.000')).toEqual({ engineMs: 26.125, queueMs: 2 });
    expect(() => parseServerTiming(null)).toThrow(/no engine duration/);
    expect(() => parseServerTiming('engine;dur=3')).toThrow(/no queue duration/);
  });

  it('splits each round trip into engine, queue and overhead, per number of clients', () => {
    const rows = summarise([
      { clients: 4, roundTripMs: 100, engineMs: 50, queueMs: 40 },
      { clients: 1, roundTripMs: 30, engineMs: 25, queueMs: 0 },
      { clients: 1, roundTripMs: 40, engineMs: 32, queueMs: 1 },
      { clients: 4, roundTripMs: 90, engineMs: 60, queueMs: 10 },
    ]);
    expect(rows.map((r) => r.clients)).toEqual([1, 4]);
    expect(rows[0]).toMatchObject({ requests: 2, overheadP50: 5, overheadP95: 7, beyondEngineP50: 5, beyondEngineP95: 8 });
    expect(rows[1]).toMatchObject({ requests: 2, overheadP50: 10, overheadP95: 20, beyondEngineP50: 30, beyondEngineP95: 50 });
    expect(markdownTable(rows).split('\n')).toHaveLength(4);
  });
});
