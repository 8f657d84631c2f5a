// A head profile for people: heads ranked per pattern, a short text table, and one SVG heatmap per pattern.
import { PATTERN_NAMES, type PatternName } from '../analysis';
import type { HeadProfile, HeadScore, PatternProfile } from './profile';

/** Heads best first: by top-1 agreement, then attention mass, then layer and head. */
export function rankHeads(pattern: PatternProfile): HeadScore[] {
  return [...pattern.heads].sort((a, b) => b.top1 - a.top1 || b.mass - a.mass || a.layer - b.layer || a.head - b.head);
}

/** Per pattern, its rows, the control (chance) and its `top` best heads as `layer.head top1/mass`. */
export function headTable(profile: HeadProfile, top = 5): string {
  const lines = [`${profile.model.name}: ${profile.files.count} files, ${profile.files.tokens} tokens; best heads (layer.head top-1 / mass; chance: a uniform head)`];
  const width = Math.max(...PATTERN_NAMES.map((p) => p.length));
  for (const pattern of PATTERN_NAMES) {
    const scores = profile.patterns[pattern];
    const best = scores.rows === 0 ? '(no rows)' : rankHeads(scores).slice(0, top).map((s) => `${s.layer}.${s.head} ${s.top1.toFixed(2)}/${s.mass.toFixed(2)}`).join('  ');
    const chance = scores.chance === undefined || scores.rows === 0 ? '' : `  chance ${scores.chance.toFixed(2)}`;
    lines.push(`${pattern.padEnd(width)} ${String(scores.rows).padStart(7)} rows${chance}  ${best}`);
  }
  return `${lines.join('\n')}\n`;
}

const escapeXml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** White (0) to deep blue (1). */
function colour(value: number): string {
  const t = Math.min(1, Math.max(0, value));
  const mix = (from: number, to: number) => Math.round(from + (to - from) * t);
  return `rgb(${mix(255, 8)},${mix(255, 48)},${mix(255, 107)})`;
}

const CELL = 44;
const LEFT = 70;
const TOP = 64;
const LEGEND = 80;

/**
 * Layers (rows) by query heads (columns) of one pattern; colour and number = top-1 agreement, each cell's <title>
 * gives top-1 and mass; a legend maps colour to agreement.
 */
export function heatmapSvg(profile: HeadProfile, pattern: PatternName): string {
  const { nLayer, nHead } = profile.model;
  const scores = profile.patterns[pattern];
  const title = `${pattern}: top-1 agreement per head (${scores.rows} rows)`;
  const subtitle = `${profile.model.name}, ${profile.files.count} files, ${profile.files.tokens} tokens${scores.chance === undefined ? '' : `; chance ${scores.chance.toFixed(3)}`}`;
  // Wide enough for the titles too (about 8 px a character at these sizes).
  const width = Math.max(LEFT + nHead * CELL + LEGEND, 20 + 8 * Math.max(title.length, subtitle.length));
  const height = TOP + nLayer * CELL + 40;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="10" y="20" font-size="14">${escapeXml(title)}</text>`,
    `<text x="10" y="38" fill="#555">${escapeXml(subtitle)}</text>`,
    `<text x="${LEFT + (nHead * CELL) / 2}" y="${TOP - 6}" text-anchor="middle">head</text>`,
    `<text x="10" y="${TOP + (nLayer * CELL) / 2}" dominant-baseline="middle">layer</text>`,
  ];
  for (let head = 0; head < nHead; head++) out.push(`<text x="${LEFT + head * CELL + CELL / 2}" y="${TOP + nLayer * CELL + 16}" text-anchor="middle">${head}</text>`);
  for (let layer = 0; layer < nLayer; layer++) out.push(`<text x="${LEFT - 8}" y="${TOP + layer * CELL + CELL / 2}" text-anchor="end" dominant-baseline="middle">${layer}</text>`);
  for (const s of scores.heads) {
    const x = LEFT + s.head * CELL;
    const y = TOP + s.layer * CELL;
    out.push(
      `<g data-head="${s.layer}.${s.head}"><rect x="${x}" y="${y}" width="${CELL}" height="${CELL}" fill="${colour(s.top1)}" stroke="#ccc">` +
        `<title>layer ${s.layer} head ${s.head}: top-1 ${s.top1.toFixed(3)}, mass ${s.mass.toFixed(3)}</title></rect>` +
        `<text x="${x + CELL / 2}" y="${y + CELL / 2}" text-anchor="middle" dominant-baseline="middle" fill="${s.top1 > 0.5 ? 'white' : 'black'}">${s.top1.toFixed(2)}</text></g>`,
    );
  }
  // Legend: a vertical bar from 1 (top) to 0 (bottom).
  const lx = LEFT + nHead * CELL + 24;
  const steps = 10;
  const stepHeight = (nLayer * CELL) / steps;
  const legendY = (i: number) => +(TOP + i * stepHeight).toFixed(1);
  for (let i = 0; i < steps; i++) out.push(`<rect x="${lx}" y="${legendY(i)}" width="14" height="${+(legendY(i + 1) - legendY(i)).toFixed(1)}" fill="${colour(1 - (i + 0.5) / steps)}"/>`);
  out.push(
    `<text x="${lx + 20}" y="${TOP + 4}" dominant-baseline="middle">1</text>`,
    `<text x="${lx + 20}" y="${TOP + nLayer * CELL - 4}" dominant-baseline="middle">0</text>`,
    `<text x="${lx - 6}" y="${TOP - 6}">top-1</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}
