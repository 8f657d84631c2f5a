// A profile for people: the ranking, the text table and the SVG heatmaps.
import { describe, expect, it } from 'vitest';
import { PATTERN_NAMES } from '../../../../assistant/analysis';
import type { HeadProfile } from '../../../../assistant/heads/profile';
import { headTable, heatmapSvg, rankHeads } from '../../../../assistant/heads/report';

/** 2 layers x 3 heads; top-1 and mass of each head in layer-then-head order. */
function profile(top1: number[], mass: number[], name = 'tiny.gguf'): HeadProfile {
  const heads = top1.map((t, i) => ({ layer: Math.floor(i / 3), head: i % 3, mass: mass[i]!, top1: t }));
  const patterns = Object.fromEntries(PATTERN_NAMES.map((p) => [p, { rows: p === 'use-def' ? 0 : 12, heads, ...(p === 'sink' ? {} : { chance: 0.125 }) }])) as HeadProfile['patterns'];
  return { version: 1, model: { identity: 'a'.repeat(64), name, nLayer: 2, nHead: 3, nHeadKv: 1 }, files: { count: 2, tokens: 40 }, patterns };
}

/** Every tag closed in order, attributes quoted, no stray `<` or `&` in text: enough of XML's well-formedness for our strings. */
function checkWellFormed(xml: string): void {
  const open: string[] = [];
  const tag = /<(\/?)([a-zA-Z]+)((?:\s+[a-zA-Z-:]+="[^"<&]*")*)\s*(\/?)>/gy;
  let at = 0;
  while (at < xml.length) {
    const lt = xml.indexOf('<', at);
    const text = xml.slice(at, lt < 0 ? xml.length : lt);
    expect(text.replace(/&(#\d+|lt|gt|amp|quot|apos);/g, '')).not.toMatch(/[&>]/);
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(xml);
    if (!m) throw new Error(`bad tag at ${lt}: ${xml.slice(lt, lt + 60)}`);
    if (m[1]) expect(open.pop()).toBe(m[2]);
    else if (!m[4]) open.push(m[2]!);
    at = tag.lastIndex;
  }
  expect(open).toEqual([]);
}

describe('head report', () => {
  const p = profile([0.2, 0.9, 0.9, 0, 0.5, 0.1], [0.3, 0.6, 0.8, 0.1, 0.4, 0.7]);

  it('ranks by top-1, then mass, then place', () => {
    expect(rankHeads(p.patterns.sink).map((s) => `${s.layer}.${s.head}`)).toEqual(['0.2', '0.1', '1.1', '0.0', '1.2', '1.0']);
    const tied = profile([0.5, 0.5, 0.5, 0.5, 0.5, 0.5], [0, 0, 0, 0, 0, 0]);
    expect(rankHeads(tied.patterns.sink).map((s) => `${s.layer}.${s.head}`)).toEqual(['0.0', '0.1', '0.2', '1.0', '1.1', '1.2']);
  });

  it('tables the best heads of each pattern', () => {
    const table = headTable(p, 2);
    expect(table).toContain('tiny.gguf: 2 files, 40 tokens');
    expect(table).toMatch(/^previous-token +12 rows {2}chance 0\.13 {2}0\.2 0\.90\/0\.80 {2}0\.1 0\.90\/0\.60$/m);
    expect(table).toMatch(/^sink +12 rows {2}0\.2 /m); // a profile without the control
    expect(table).toMatch(/^use-def +0 rows {2}\(no rows\)$/m);
    expect(table.trim().split('\n')).toHaveLength(1 + PATTERN_NAMES.length);
  });

  it('draws a well-formed heatmap: a cell per head with its numbers, a tooltip, a legend, escaped names', () => {
    const svg = heatmapSvg(profile([0.2, 0.9, 0.9, 0, 0.5, 0.1], [0.3, 0.6, 0.8, 0.1, 0.4, 0.7], 'a <b> & "c".gguf'), 'bracket');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    checkWellFormed(svg.trim());
    expect(svg.match(/<g data-head=/g)).toHaveLength(6);
    expect(svg).toContain('<title>layer 1 head 1: top-1 0.500, mass 0.400</title>');
    expect(svg).toMatch(/<g data-head="0\.1"><rect [^>]*fill="rgb\(33,69,122\)"/); // 0.9 of the way from white to rgb(8,48,107)
    expect(svg).toMatch(/<g data-head="1\.0"><rect [^>]*fill="rgb\(255,255,255\)"/);
    expect(svg).toContain('>0.90</text>');
    expect(svg).toContain('>top-1</text>');
    expect(svg).toContain('bracket: top-1 agreement per head (12 rows)');
    expect(svg).toContain('40 tokens; chance 0.125');
    expect(svg).toContain('a &#60;b&#62; &#38; &#34;c&#34;.gguf');
    expect(svg).not.toContain('NaN');
  });
});
