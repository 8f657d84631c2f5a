// The loss chart: parsing train-log.jsonl, scaling the series, ticks, escaping, errors.
import { describe, expect, it } from 'vitest';
import { formatTokens, lossChartSvg, niceTicks, parseTrainLog, PlotError, type LogEntry } from '../../../training/plot';

const LOG = [
  { step: 10, tokens: 1000, trainLoss: 9, lr: 1e-3, seconds: 1 },
  { step: 20, tokens: 2000, trainLoss: 7, lr: 1e-3, seconds: 2, evalLoss: 7.5, evalLossSparse: 7.8, evalLossDense: 7.2 },
  { step: 30, tokens: 3000, trainLoss: 5, lr: 1e-3, seconds: 3 },
  { step: 40, tokens: 4000, trainLoss: 4, lr: 1e-3, seconds: 4, evalLoss: 4.5, evalLossSparse: 4.6, evalLossDense: 4.4 },
  { step: 40, tokens: 4000, trainLoss: null, lr: 1e-3, seconds: 5, evalLoss: 4.5, evalLossSparse: 4.6, evalLossDense: 4.4, final: true },
].map((e) => JSON.stringify(e)).join('\n');

function polyline(svg: string, key: string): [number, number][] {
  const m = new RegExp(`data-series="${key}"[^>]* points="([^"]*)"`).exec(svg);
  if (!m) throw new Error(`no ${key} series`);
  return m[1]!.split(' ').map((p) => p.split(',').map(Number) as [number, number]);
}

describe('loss chart', () => {
  it('parses the log and names a bad line', () => {
    expect(parseTrainLog(`${LOG}\n\n`)).toHaveLength(5);
    expect(() => parseTrainLog('{"step": 1, "tokens": 2}\n{oops', 'x.jsonl')).toThrow(/x\.jsonl:2: not JSON/);
    expect(() => parseTrainLog('{"step": 1}')).toThrow(PlotError);
  });

  it('draws train and eval loss against tokens, left to right, lower loss lower on the page', () => {
    const svg = lossChartSvg(parseTrainLog(LOG), { title: 'mini <run> & co' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const train = polyline(svg, 'trainLoss');
    // The final line has no train loss: four points.
    expect(train).toHaveLength(4);
    const evalPts = polyline(svg, 'evalLoss');
    expect(evalPts).toHaveLength(3);
    for (let i = 1; i < train.length; i++) {
      expect(train[i]![0]).toBeGreaterThan(train[i - 1]![0]);
      expect(train[i]![1]).toBeGreaterThan(train[i - 1]![1]); // y grows downwards: falling loss
    }
    // Same tokens, same x, in every series; the eval point at 2000 tokens sits between train 9 and 5.
    expect(evalPts[0]![0]).toBe(train[1]![0]);
    expect(evalPts[0]![1]).toBeGreaterThan(train[0]![1]);
    expect(evalPts[0]![1]).toBeLessThan(train[2]![1]);
    expect(polyline(svg, 'evalLossSparse')).toHaveLength(3);
    expect(polyline(svg, 'evalLossDense')).toHaveLength(3);
    expect(svg).toContain('mini &#60;run&#62; &#38; co');
    expect(svg).toContain('>4k<');
  });

  it('leaves out series that were never logged', () => {
    const svg = lossChartSvg([{ step: 1, tokens: 10, trainLoss: 3 }, { step: 2, tokens: 20, trainLoss: 2 }] as LogEntry[]);
    expect(svg).toContain('data-series="trainLoss"');
    expect(svg).not.toContain('data-series="evalLoss"');
    expect(() => lossChartSvg([{ step: 1, tokens: 1 }])).toThrow(/no losses/);
  });

  it('picks ticks at 1, 2 or 5 times a power of ten', () => {
    expect(niceTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(3.7, 9.9)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(niceTicks(4.1, 5.3)).toEqual([4.2, 4.4, 4.6, 4.8, 5, 5.2]);
    expect(niceTicks(0, 1_300_000)).toEqual([0, 200000, 400000, 600000, 800000, 1000000, 1200000]);
    expect(formatTokens(1_250_000)).toBe('1.25M');
    expect(formatTokens(700_000_000_000)).toBe('700B');
  });
});
