// The samples stage on a small corpus made here: what a row holds (texts in order, FIM pieces, piecewise
// tokenization), the segment rules, the options' effects, determinism and the files written.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../tools/gguf-fixtures/random';
import type { CorpusRecord } from '../../../training/corpus/corpus';
import { fitEnd, fitStart } from '../../../training/samples/fit';
import { pieceIndex, RowBuilder, SAMPLE_DEFAULTS, SampleOptionsError, SEGMENT, buildSamples, countRuns, readPackages, type Row, type SampleOptions } from '../../../training/samples/samples';
import { CONTROL_TOKENS, Tokenizer } from '../../../training/tokenizer/tokenizer';
import { detectFormat, documentTokens, queryPrompt, sharedPrefixTokens, type VocabReader } from '../../../assistant/engine/format';
import type { VocabInfo } from '../../../native/binding';
import { ChunkCounter, trainBpe } from '../../../training/tokenizer/trainer';

let tmp: string;
let corpusFile: string;
let tokenizerFile: string;
let tok: Tokenizer;
const texts = new Map<string, string>();

function source(name: string, lines: number): string {
  const out = [`// ${name}`, `import { helper } from './helper';`, ''];
  for (let i = 0; i < lines; i++) out.push(`export function ${name}${i}(value) {`, `  return helper(value, ${i}) + 'é ${name}';`, '}', '');
  return out.join('\n');
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'steerway-samples-'));
  const records: CorpusRecord[] = [];
  const add = (pkg: string, split: 'train' | 'eval', file: string, text: string): void => {
    records.push({ package: pkg, version: '1.0.0', split, path: file, text });
    texts.set(`${pkg}:${file}`, text);
  };
  add('alpha', 'train', 'src/a.js', source('alphaA', 6));
  add('alpha', 'train', 'src/b.js', source('alphaB', 3));
  add('alpha', 'train', 'src/c.js', source('alphaC', 2));
  add('alpha', 'train', 'src/e.js', 'export const e = 1;\n');
  add('alpha', 'train', 'test/d.js', source('alphaD', 4));
  add('alpha', 'train', 'lib/long.js', source('alphaLong', 60));
  add('beta', 'train', 'index.js', source('beta', 50));
  add('gamma', 'eval', 'main.ts', source('gamma', 4));
  add('gamma', 'eval', 'util.ts', source('gammaUtil', 2));
  corpusFile = path.join(tmp, 'corpus.jsonl');
  fs.writeFileSync(corpusFile, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const counter = new ChunkCounter();
  for (const r of records) if (r.split === 'train') counter.add(r.text);
  tokenizerFile = path.join(tmp, 'tokenizer.json');
  fs.writeFileSync(tokenizerFile, JSON.stringify(trainBpe(counter.counts, { vocabSize: 600 }).json));
  tok = Tokenizer.fromFile(tokenizerFile);
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const L = 256;
const B = 48;

function rows(options: SampleOptions = {}, seed = 1, split: 'train' | 'eval' = 'train'): Row[] {
  const builder = new RowBuilder(tok, readPackages(corpusFile, split), { length: L, blockSize: B, ...options });
  return builder.jobs(new Rng(seed, 0)).map((job, i) => builder.row(job, new Rng(seed, 1 + i)));
}

const enc = (s: string): number[] => tok.encode(s);

describe('a row', () => {
  let all: Row[];
  beforeAll(() => {
    all = [1, 2, 3, 4].flatMap((seed) => rows({}, seed));
  });

  it('is the shared prefix, whole documents, then the final file, tokenized piece by piece as the engine does', () => {
    const s = tok.special;
    for (const { tokens, info } of all) {
      const used = Array.from(tokens.subarray(0, L - info.padTokens));
      const shared = [s.fimRep, ...enc(`${info.package}\n`)];
      const docs = info.documents.flatMap((d) => {
        const full = [s.fimSep, ...enc(`${d.path}\n${texts.get(`${info.package}:${d.path}`)}\n`)];
        expect(d.truncated ? full.length > d.tokens : full.length === d.tokens).toBe(true);
        return full.slice(0, d.tokens);
      });
      const q = info.query;
      const header = [s.fimSep, ...enc(`${info.path}\n`)];
      const query =
        // A healed row leaves the prefix's last token out and tokenizes its text with the middle.
        info.kind === 'psm' ? [...header, s.fimPre, ...enc(q.prefix).slice(0, q.healed ? -1 : undefined), s.fimSuf, ...enc(q.suffix), s.fimMid, ...enc(q.healed + q.middle), s.eot]
        : info.kind === 'spm' ? [...header, s.fimPre, s.fimSuf, ...enc(q.suffix), s.fimMid, ...enc(q.prefix), ...enc(q.middle), s.eot]
        : [...header, ...enc(q.prefix), ...(q.endOfText ? [s.eot] : [])];
      expect(used).toEqual([...shared, ...docs, ...query]);
      expect(Array.from(tokens.subarray(L - info.padTokens)).every((t) => t === s.fimPad)).toBe(true);
    }
  });

  it('decodes to the texts in order', () => {
    const c = CONTROL_TOKENS;
    const row = all.find((r) => r.info.kind === 'psm' && r.info.documents.length > 0 && !r.info.documents.some((d) => d.truncated))!;
    const { info } = row;
    const text = tok.decode(Array.from(row.tokens.subarray(0, L - info.padTokens)));
    const docs = info.documents.map((d) => `${c.fimSep}${d.path}\n${texts.get(`${info.package}:${d.path}`)}\n`).join('');
    const q = info.query;
    const typed = q.prefix.slice(0, q.prefix.length - q.healed.length);
    expect(text).toBe(`${c.fimRep}${info.package}\n${docs}${c.fimSep}${info.path}\n${c.fimPre}${typed}${c.fimSuf}${q.suffix}${c.fimMid}${q.healed}${q.middle}${c.eot}`);
  });

  it('holds a contiguous part of the final file, the whole file when it fits', () => {
    for (const { info } of all) {
      const file = texts.get(`${info.package}:${info.path}`)!;
      const q = info.query;
      expect(q.prefix + q.middle + q.suffix).toBe(file.slice(q.start, q.end));
      // <|endoftext|> after a plain text only where the file ends; a FIM row always ends with it (after the middle).
      expect(q.endOfText).toBe(info.kind !== 'plain' || q.end === file.length);
      if (info.path === 'src/e.js') {
        expect(q.start).toBe(0);
        expect(q.end).toBe(file.length);
      }
    }
    expect(all.some((r) => r.info.kind !== 'plain' && r.info.query.middle.includes('\n'))).toBe(true);
    expect(all.some((r) => r.info.kind !== 'plain' && r.info.query.middle.length > 0 && !r.info.query.middle.endsWith('\n'))).toBe(true);
  });

  it('follows the segment rules: shared 0, one id per document (the engine chains its blocks), query 255, padding 254; dense rows have no blocks', () => {
    for (const { segments, info } of all) {
      const seg = Array.from(segments);
      const docEnd = info.sharedTokens + info.documentTokens;
      const queryEnd = docEnd + info.queryTokens;
      expect(seg.slice(docEnd, queryEnd).every((x) => x === SEGMENT.query)).toBe(true);
      expect(seg.slice(queryEnd).every((x) => x === SEGMENT.pad)).toBe(true);
      if (!info.sparse) {
        expect(seg.slice(0, docEnd).every((x) => x === SEGMENT.query)).toBe(true);
        continue;
      }
      expect(seg.slice(0, info.sharedTokens).every((x) => x === SEGMENT.shared)).toBe(true);
      let at = info.sharedTokens;
      let id = SEGMENT.firstBlock;
      for (const d of info.documents) {
        expect(seg.slice(at, at + d.tokens)).toEqual(new Array(d.tokens).fill(id++));
        at += d.tokens;
      }
      expect(at).toBe(docEnd);
    }
    expect(all.filter((r) => r.info.sparse).length).toBeGreaterThan(all.length * 0.2);
    expect(all.some((r) => r.info.documents.some((d) => d.blocks > 1))).toBe(true);
    expect(all.some((r) => r.info.documents.some((d) => d.truncated))).toBe(true);
  });

  it('takes documents from the same folder before others', () => {
    const file = path.join(tmp, 'folders.jsonl');
    const recs: CorpusRecord[] = [
      { package: 'p', version: '1', split: 'train', path: 'src/x.js', text: source('x', 3) },
      { package: 'p', version: '1', split: 'train', path: 'src/y.js', text: 'export const y = 1;\n' },
      { package: 'p', version: '1', split: 'train', path: 'src/deep/w.js', text: 'export const w = 2;\n' },
      ...Array.from({ length: 12 }, (_, i): CorpusRecord => ({ package: 'p', version: '1', split: 'train', path: `other/z${i}.js`, text: `export const z${i} = ${i};\n` })),
    ];
    fs.writeFileSync(file, recs.map((r) => JSON.stringify(r)).join('\n'));
    const builder = new RowBuilder(tok, readPackages(file, 'train'), { length: L, blockSize: B });
    const x = { pkg: 0, file: 0, window: 0, windows: 1 };
    for (let seed = 1; seed <= 20; seed++) {
      const docs = builder.row(x, new Rng(seed)).info.documents.map((d) => d.path);
      expect(docs).toContain('src/y.js');
      // Nearer folders first: src/deep before other/.
      if (docs.some((d) => d.startsWith('other/'))) expect(docs).toContain('src/deep/w.js');
      expect(docs.filter((d) => d.startsWith('other/')).length).toBeLessThan(12);
    }
  });

  it('covers a long file in windows (whole when it has the row to itself)', () => {
    expect(rows().filter((r) => r.info.path === 'lib/long.js').length).toBeGreaterThan(4);
    const plain = rows({ fimRate: 0 }).filter((r) => r.info.path === 'index.js');
    const file = texts.get('beta:index.js')!;
    expect(plain.length).toBeGreaterThan(4);
    const covered = new Uint8Array(file.length);
    for (const { info } of plain) covered.fill(1, info.query.start, info.query.end);
    expect(covered.every((x) => x === 1)).toBe(true);
    expect(plain.filter((r) => r.info.query.endOfText)).toHaveLength(1);
  });
});

/** The training tokenizer as the engine's prompt builder sees a loaded model (tokenization equal to llama.cpp's is tested elsewhere). */
function engineView(t: Tokenizer): VocabReader {
  const s = t.special;
  const vocab: VocabInfo = {
    nVocab: t.size, bos: s.eot, eos: s.eot, eot: s.eot, sep: -1, nl: -1, pad: s.fimPad,
    fimPre: s.fimPre, fimSuf: s.fimSuf, fimMid: s.fimMid, fimPad: s.fimPad, fimRep: s.fimRep, fimSep: s.fimSep, addBos: false, addEos: false,
  };
  return { vocab, tokenText: (id) => t.tokens[id]!, tokenize: (text, o) => Int32Array.from(t.encode(text, { parseSpecial: o?.parseSpecial ?? false })) };
}

describe('FIM at the cursor (issue 12)', () => {
  let fim: Row[];
  beforeAll(() => {
    fim = [1, 2, 3, 4, 5, 6].flatMap((seed) => rows({ fimRate: 1 }, seed));
  });

  it('writes the final file token for token as the engine prompt (format.ts), as typed or healed (--healed), then the middle and <|endoftext|>', () => {
    const view = engineView(tok);
    const format = detectFormat(view);
    expect(format.name).toBe('qwen2.5-coder');
    const index = pieceIndex(tok);
    let healed = 0;
    const healedShare = 0.75;
    const someHealed = [1, 2, 3].flatMap((seed) => rows({ fimRate: 1, healedShare }, seed));
    for (const { tokens, info } of [...fim, ...someHealed]) {
      expect(info.kind).toBe('psm');
      const shared = sharedPrefixTokens(view, format, info.package);
      const docs = info.documents.flatMap((d) => documentTokens(view, format, d.path, texts.get(`${info.package}:${d.path}`)!).slice(0, d.tokens));
      const q = info.query;
      // As the engine asks with healing: the prefix less its end, the middle's tokens starting with that end's text.
      const asked = queryPrompt(view, format, q.prefix, q.suffix, info.path, index);
      const query = q.healed ? asked.tokens : queryPrompt(view, format, q.prefix, q.suffix, info.path, null).tokens;
      if (q.healed) {
        healed++;
        expect(q.healed).toBe(asked.healed);
      }
      expect(Array.from(tokens.subarray(0, L - info.padTokens))).toEqual([...shared, ...docs, ...query, ...enc(q.healed + q.middle), tok.special.eot]);
    }
    // By default every row is as typed, as the engine asks a FIM model.
    expect(SAMPLE_DEFAULTS.healedShare).toBe(0);
    expect(fim.filter((r) => r.info.query.healed !== '')).toEqual([]);
    const healableThere = someHealed.filter((r) => queryPrompt(view, format, r.info.query.prefix, '', r.info.path, index).healed !== '').length;
    expect(healableThere).toBeGreaterThan(20);
    expect(Math.abs(healed / healableThere - healedShare)).toBeLessThan(0.15);
  });

  it('mostly asks what an editor asks: a cursor inside a line, the middle running to a line end', () => {
    const inLine = (r: Row): boolean => {
      const { prefix, middle, suffix } = r.info.query;
      const cursorLine = prefix.slice(prefix.lastIndexOf('\n') + 1);
      return middle.length > 0 && !middle.endsWith('\n') && (suffix === '' || suffix.startsWith('\n')) && (cursorLine.trim() !== '' || /^[ \t]*$/.test(cursorLine));
    };
    const lineRest = fim.filter((r) => r.info.span === 'lineRest');
    expect(lineRest.length / fim.length).toBeGreaterThan(0.25);
    for (const r of lineRest) {
      expect(inLine(r), JSON.stringify(r.info.query)).toBe(true);
      expect(r.info.query.middle).not.toContain('\n');
    }
    const fromIndent = fim.filter((r) => r.info.span === 'fromIndent');
    expect(fromIndent.length).toBeGreaterThan(0);
    for (const r of fromIndent) {
      expect(inLine(r), JSON.stringify(r.info.query)).toBe(true);
      expect(r.info.query.prefix).toMatch(/(^|\n)[ \t]*$/);
    }
    // Single-line middles that stop at the end of the cursor's line: the everyday case.
    const oneLine = fim.filter((r) => inLine(r) && !r.info.query.middle.includes('\n'));
    expect(oneLine.length / fim.length).toBeGreaterThan(0.4);
  });

  it('puts most cursors inside a line where a word or symbol starts (after a space or punctuation), some inside words', () => {
    const word = /[\p{L}\p{N}_$]/u;
    const inside = fim.filter((r) => r.info.span === 'lineRest' || r.info.span === 'linesFromCursor');
    const atStart = inside.filter((r) => {
      const { prefix, middle } = r.info.query;
      const before = prefix[prefix.length - 1]!;
      return /\s/.test(before) || !word.test(before) || !word.test(middle[0]!);
    });
    // WORD_START_SHARE (2/3) by choice, plus the characters that fall on a start by chance.
    expect(atStart.length / inside.length).toBeGreaterThan(0.6);
    expect(atStart.length / inside.length).toBeLessThan(0.95);
  });
});

describe('options', () => {
  it('sets the shares of FIM, SPM and sparse rows', () => {
    expect(rows({ fimRate: 0 }).every((r) => r.info.kind === 'plain')).toBe(true);
    expect(rows({ fimRate: 1, spmRate: 1 }).every((r) => r.info.kind === 'spm')).toBe(true);
    expect(rows({ fimRate: 1, spmRate: 0 }).every((r) => r.info.kind === 'psm')).toBe(true);
    expect(rows({ sparseShare: 0 }).every((r) => !r.segments.some((x) => x >= SEGMENT.firstBlock && x <= SEGMENT.lastBlock))).toBe(true);
    expect(rows({ sparseShare: 1 }).every((r) => r.info.sparse === r.info.documents.length > 0)).toBe(true);
    const mixed = [1, 2, 3].flatMap((seed) => rows({}, seed));
    const fim = mixed.filter((r) => r.info.kind !== 'plain').length;
    expect(fim / mixed.length).toBeGreaterThan(0.3);
    expect(fim / mixed.length).toBeLessThan(0.7);
    expect(rows({ passes: 2 }).length).toBe(2 * rows().length);
  });

  it('refuses impossible options', () => {
    const pkgs = readPackages(corpusFile, 'train');
    expect(() => new RowBuilder(tok, pkgs, { length: 64 })).toThrow(SampleOptionsError);
    expect(() => new RowBuilder(tok, pkgs, { blockSize: 0 })).toThrow(SampleOptionsError);
    expect(() => new RowBuilder(tok, pkgs, { fimRate: 1.5 })).toThrow(SampleOptionsError);
    expect(() => new RowBuilder(tok, pkgs, { passes: 0 })).toThrow(SampleOptionsError);
    expect(() => new RowBuilder(tok, pkgs, { healedShare: -0.5 })).toThrow(SampleOptionsError);
  });
});

describe('buildSamples', () => {
  const sha = (file: string): string => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

  it('writes rows × L uint16 tokens and bytes of segments per split, and their composition', () => {
    const out = path.join(tmp, 'run-a');
    const m = buildSamples(corpusFile, tokenizerFile, out, { length: L, blockSize: B });
    expect(m).toMatchObject({ L, blockSize: B, padId: tok.special.fimPad, vocabSize: tok.size, tokenizerSha256: sha(tokenizerFile) });
    for (const split of ['train', 'eval'] as const) {
      const s = m.splits[split];
      expect(s.rows).toBeGreaterThan(0);
      expect(fs.statSync(path.join(out, s.tokensFile)).size).toBe(s.rows * L * 2);
      expect(fs.statSync(path.join(out, s.segmentsFile)).size).toBe(s.rows * L);
      expect(s.psm + s.spm + s.plain).toBe(s.rows);
      expect(s.sparse + s.dense).toBe(s.rows);
      expect(s.tokens + s.padTokens).toBe(s.rows * L);
      expect(s.sharedTokens + s.documentTokens + s.queryTokens).toBe(s.tokens);
      expect(Object.values(s.documentsPerSample.histogram).reduce((a, b) => a + b, 0)).toBe(s.rows);
      const bytes = fs.readFileSync(path.join(out, s.tokensFile));
      const segs = fs.readFileSync(path.join(out, s.segmentsFile));
      const pad = [...Array(s.rows * L).keys()].filter((i) => segs[i] === SEGMENT.pad);
      expect(pad.length).toBe(s.padTokens);
      expect(pad.every((i) => bytes.readUInt16LE(i * 2) === tok.special.fimPad)).toBe(true);
    }
    expect(m.splits.train.packages).toBe(2);
    expect(m.splits.eval.packages).toBe(1);
    expect(m.splits.eval.files).toBe(2);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'samples.json'), 'utf8'))).toEqual(m);
  });

  it('counts unique tokens per segment run, padding left out, so a second pass over the same files adds tokens, not unique ones', () => {
    const runs: number[][] = [];
    const row = { tokens: Uint16Array.from([7, 8, 1, 2, 3, 4, 5, 6, 9, 9]), segments: Uint8Array.from([0, 0, 1, 1, 2, 255, 255, 255, 254, 254]) };
    countRuns({ push: (ids) => runs.push([...Array.from(ids)]) }, row);
    expect(runs).toEqual([[7, 8], [1, 2], [3], [4, 5, 6]]);

    // Plain rows, each document its own run: a second pass shows the same texts again.
    const options: SampleOptions = { length: L, blockSize: B, fimRate: 0, sparseShare: 1 };
    const once = buildSamples(corpusFile, tokenizerFile, path.join(tmp, 'run-pass1'), { ...options, passes: 1 }).splits.train;
    const twice = buildSamples(corpusFile, tokenizerFile, path.join(tmp, 'run-pass2'), { ...options, passes: 2 }).splits.train;
    expect(once.unique.tokens).toBe(once.tokens);
    expect(once.unique.uniqueTokens).toBeLessThanOrEqual(once.tokens);
    expect(twice.tokens).toBeGreaterThan(once.tokens * 1.5);
    expect(twice.unique.uniqueTokens).toBeLessThan(once.unique.uniqueTokens * 1.25);
  });

  it('replaces earlier files by renaming, so a reader of the old ones keeps its bytes, and leaves no temp files', () => {
    const out = path.join(tmp, 'run-replace');
    buildSamples(corpusFile, tokenizerFile, out, { length: L, blockSize: B, seed: 1 });
    const held = fs.openSync(path.join(out, 'train.tokens.u16'), 'r');
    const before = fs.fstatSync(held);
    buildSamples(corpusFile, tokenizerFile, out, { length: L, blockSize: B, seed: 2 });
    expect(fs.fstatSync(held).size).toBe(before.size);
    expect(fs.statSync(path.join(out, 'train.tokens.u16')).ino).not.toBe(before.ino);
    fs.closeSync(held);
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('gives the same bytes for the same seed, other bytes for another', () => {
    const run = (dir: string, seed: number): string[] => {
      buildSamples(corpusFile, tokenizerFile, path.join(tmp, dir), { length: L, blockSize: B, seed });
      return ['train.tokens.u16', 'train.segments.u8', 'eval.tokens.u16', 'samples.json'].map((f) => sha(path.join(tmp, dir, f)));
    };
    const a = run('det-a', 7);
    expect(run('det-b', 7)).toEqual(a);
    expect(run('det-c', 8)[0]).not.toBe(a[0]);
  });
});

describe('fitting text to a budget', () => {
  const text = Array.from({ length: 40 }, (_, i) => `line ${i}: const value${i} = compute(${i}, '𝔘');`).join('\n') + '\n';

  it('keeps the longest start or end within the budget, cut at a line boundary', () => {
    let cutAtLines = 0;
    for (const budget of [1, 7, 30, 100, 250, 600]) {
      const start = fitStart(text, budget, tok);
      expect(start.tokens).toEqual(enc(start.text));
      expect(start.tokens.length).toBeLessThanOrEqual(budget);
      expect(text.startsWith(start.text)).toBe(true);
      const end = fitEnd(text, budget, tok);
      expect(end.tokens).toEqual(enc(end.text));
      expect(end.tokens.length).toBeLessThanOrEqual(budget);
      expect(text.endsWith(end.text)).toBe(true);
      // Where a line fits twice over, the cut is at a line end (start) or a line start (end), and one more line would not fit.
      if (enc(text.slice(0, text.indexOf('\n') + 1)).length * 2 <= budget) {
        expect(start.text.endsWith('\n')).toBe(true);
        expect(enc(text.slice(0, text.indexOf('\n', start.text.length) + 1)).length).toBeGreaterThan(budget);
        expect(text[text.length - end.text.length - 1]).toBe('\n');
        expect(enc(text.slice(text.lastIndexOf('\n', text.length - end.text.length - 2) + 1)).length).toBeGreaterThan(budget);
        cutAtLines++;
      }
    }
    expect(cutAtLines).toBeGreaterThan(0);
    expect(fitStart(text, 10_000, tok).text).toBe(text);
    expect(fitEnd(text, 10_000, tok).text).toBe(text);
    expect(fitStart(text, 0, tok)).toEqual({ text: '', tokens: [] });
  });

  it('never splits a surrogate pair', () => {
    const astral = '𝔘𝔫𝔦𝔠𝔬𝔡𝔢'.repeat(20);
    for (let budget = 1; budget < 40; budget++) {
      expect(fitStart(astral, budget, tok).text.length % 2).toBe(0);
      expect(fitEnd(astral, budget, tok).text.length % 2).toBe(0);
    }
  });
});
