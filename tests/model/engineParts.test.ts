// The engine's pure parts: prompt formats from FIM token ids, block files, tiers, sampling, stop boundaries.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TokenizeOptions, VocabInfo } from '../../native/binding';
import { BLOCK_MAGIC, BlockFileError, decodeBlockFile, encodeBlockFile } from '../../assistant/engine/blockFile';
import { detectFormat, documentTokens, queryTokens, sharedPrefixTokens, splitBlocks, type VocabReader } from '../../assistant/engine/format';
import { argmax, boundaryCut, logprobsOf, sampleToken, SeededRandom } from '../../assistant/engine/sampling';
import { DiskTier, MemoryTier } from '../../assistant/engine/tiers';

/** A fake vocabulary: control tokens by id, other text as one token per character (code point + 1000). */
function fakeVocab(controls: Record<number, string>, v: Partial<VocabInfo>): VocabReader {
  const vocab: VocabInfo = {
    nVocab: 2000, bos: 1, eos: 2, eot: -1, sep: -1, nl: -1, pad: -1,
    fimPre: -1, fimSuf: -1, fimMid: -1, fimPad: -1, fimRep: -1, fimSep: -1, addBos: false, addEos: false, ...v,
  };
  const byText = new Map(Object.entries(controls).map(([id, t]) => [t, Number(id)]));
  return {
    vocab,
    tokenText: (t) => controls[t] ?? String.fromCodePoint(t - 1000),
    tokenize: (text: string, o?: TokenizeOptions) => {
      if (o?.parseSpecial && byText.has(text)) return Int32Array.of(byText.get(text)!);
      return Int32Array.from([...text].map((c) => c.codePointAt(0)! + 1000));
    },
  };
}

const chars = (s: string): number[] => [...s].map((c) => c.codePointAt(0)! + 1000);

describe('prompt formats', () => {
  it('reads the Qwen2.5-Coder layout from the token ids, with repository and file separators', () => {
    const m = fakeVocab({ 10: '<|fim_prefix|>', 11: '<|fim_suffix|>', 12: '<|fim_middle|>', 13: '<|repo_name|>', 14: '<|file_sep|>' }, { fimPre: 10, fimSuf: 11, fimMid: 12, fimRep: 13, fimSep: 14 });
    const f = detectFormat(m);
    expect(f.name).toBe('qwen2.5-coder');
    expect(f.fim).toEqual({ prefix: 10, suffix: 11, middle: 12, repoName: 13, fileSeparator: 14 });
    expect(sharedPrefixTokens(m, f, 'r')).toEqual([13, ...chars('r\n')]);
    expect(documentTokens(m, f, 'a.ts', 'x')).toEqual([14, ...chars('a.ts\nx\n')]);
    expect(queryTokens(m, f, 'P', 'S', 'm.ts')).toEqual([14, ...chars('m.ts\n'), 10, ...chars('P'), 11, ...chars('S'), 12]);
  });

  it('recognizes StarCoder2 and finds its separators by their text when the vocab ids are unset', () => {
    const m = fakeVocab({ 20: '<fim_prefix>', 21: '<fim_suffix>', 22: '<fim_middle>', 23: '<repo_name>', 24: '<file_sep>' }, { fimPre: 20, fimSuf: 21, fimMid: 22 });
    const f = detectFormat(m);
    expect(f.name).toBe('starcoder2');
    expect(f.fim.repoName).toBe(23);
    expect(f.fim.fileSeparator).toBe(24);
  });

  it('recognizes CodeLlama and DeepSeek-Coder, which have no file separator: documents become plain text', () => {
    const cl = fakeVocab({ 30: '\u2581<PRE>', 31: '\u2581<SUF>', 32: '\u2581<MID>' }, { fimPre: 30, fimSuf: 31, fimMid: 32, addBos: true });
    const f = detectFormat(cl);
    expect(f.name).toBe('codellama');
    expect(sharedPrefixTokens(cl, f, 'r')).toEqual([1]);
    expect(documentTokens(cl, f, 'a.ts', 'x')).toEqual(chars('File: a.ts\nx\n\n'));
    const ds = fakeVocab({ 40: '<\uff5cfim\u2581begin\uff5c>', 41: '<\uff5cfim\u2581hole\uff5c>', 42: '<\uff5cfim\u2581end\uff5c>' }, { fimPre: 40, fimSuf: 41, fimMid: 42 });
    expect(detectFormat(ds).name).toBe('deepseek-coder');
    expect(queryTokens(ds, detectFormat(ds), 'P', 'S', 'm.ts')).toEqual([40, ...chars('P'), 41, ...chars('S'), 42]);
  });

  it('falls back to a generic FIM layout for unknown token texts, and to plain prefix without FIM tokens', () => {
    const g = fakeVocab({ 50: '[PRE]', 51: '[SUF]', 52: '[MID]' }, { fimPre: 50, fimSuf: 51, fimMid: 52 });
    expect(detectFormat(g).name).toBe('fim-generic');
    const plain = fakeVocab({}, { fimPre: 50 });
    const f = detectFormat(plain);
    expect(f.name).toBe('plain-prefix');
    expect(f.note).toMatch(/no FIM tokens/);
    expect(queryTokens(plain, f, 'P', 'S', 'm.ts')).toEqual(chars('P'));
  });

  it('splits a document into blocks of bounded size, keeping every token in order', () => {
    const tokens = Array.from({ length: 10 }, (_, i) => i);
    expect(splitBlocks(tokens, 4)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(splitBlocks([], 4)).toEqual([]);
  });
});

describe('block files', () => {
  const expect0 = { key: 'k1', model: 'm1', layout: 'l1', tokenCount: 3 };
  const payload = Buffer.from('kv-state-bytes');

  it('round-trips a payload', () => {
    expect(decodeBlockFile(encodeBlockFile(expect0, payload), expect0).equals(payload)).toBe(true);
  });

  const reject = (file: Buffer, e = expect0): string => {
    try {
      decodeBlockFile(file, e);
    } catch (err) {
      expect(err).toBeInstanceOf(BlockFileError);
      return (err as BlockFileError).reason;
    }
    throw new Error('accepted');
  };

  it('rejects truncated, corrupt, foreign and wrong-version files, naming the check', () => {
    const good = encodeBlockFile(expect0, payload);
    expect(reject(good.subarray(0, good.length - 1))).toBe('truncated');
    expect(reject(good.subarray(0, 10))).toBe('truncated');
    const flipped = Buffer.from(good);
    flipped[flipped.length - 2]! ^= 1;
    expect(reject(flipped)).toBe('checksum');
    const magic = Buffer.from(good);
    magic[0] = 0;
    expect(reject(magic)).toBe('bad-magic');
    const version = Buffer.from(good);
    version.writeUInt32LE(99, BLOCK_MAGIC.length);
    expect(reject(version)).toBe('wrong-version');
    expect(reject(good, { ...expect0, model: 'm2' })).toBe('foreign-model');
    expect(reject(good, { ...expect0, layout: 'l2' })).toBe('foreign-layout');
    expect(reject(good, { ...expect0, key: 'k2' })).toBe('wrong-key');
    expect(reject(good, { ...expect0, tokenCount: 4 })).toBe('wrong-token-count');
    const header = Buffer.from(good);
    header[16] = 0x7b + 1;
    expect(reject(header)).toBe('bad-header');
  });
});

describe('tiers', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('memory tier: stays within its byte budget, evicting the least recently used', () => {
    const t = new MemoryTier(100);
    t.put('a', Buffer.alloc(40));
    t.put('b', Buffer.alloc(40));
    t.get('a');
    t.put('c', Buffer.alloc(40));
    expect(t.bytes).toBeLessThanOrEqual(100);
    expect(t.get('b')).toBeUndefined();
    expect(t.get('a')).toBeDefined();
    t.put('huge', Buffer.alloc(101));
    expect(t.get('huge')).toBeUndefined();
  });

  it('disk tier: keeps its byte budget across reopen, and deletes a rejected file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steerway-tier-'));
    dirs.push(dir);
    const e = (key: string) => ({ key, model: 'm', layout: 'l', tokenCount: 1 });
    const fileSize = encodeBlockFile(e('a'), Buffer.alloc(100)).length;
    const tier = await DiskTier.open(dir, fileSize * 2 + 10);
    await tier.write(e('a'), Buffer.alloc(100));
    await tier.write(e('b'), Buffer.alloc(100));
    expect(await tier.read(e('a'))).toHaveProperty('payload');
    await tier.write(e('c'), Buffer.alloc(100));
    expect(tier.has('b')).toBe(false);
    expect(tier.has('a') && tier.has('c')).toBe(true);
    const onDisk = fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
    expect(onDisk).toBeLessThanOrEqual(fileSize * 2 + 10);

    fs.writeFileSync(path.join(dir, 'c.kvb'), 'garbage');
    const reopened = await DiskTier.open(dir, fileSize);
    expect(reopened.size).toBe(1);
    expect(reopened.bytes).toBeLessThanOrEqual(fileSize);
    const kept = reopened.has('a') ? 'a' : 'c';
    const read = await reopened.read(e(kept));
    if (kept === 'c') {
      expect(read).toEqual({ rejected: 'truncated' });
      expect(fs.existsSync(path.join(dir, 'c.kvb'))).toBe(false);
    } else {
      expect(read).toHaveProperty('payload');
    }
    expect(await reopened.read(e('missing'))).toBeNull();
  });

  it.skipIf(process.platform === 'win32')('disk tier: block files are 0600 from the first byte (the temp file too), in a 0700 folder; older files are made private', async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'steerway-tier-'));
    dirs.push(parent);
    const dir = path.join(parent, 'kv-cache');
    const mode = (file: string) => fs.statSync(file).mode & 0o777;
    const e = (key: string) => ({ key, model: 'm', layout: 'l', tokenCount: 1 });
    const tier = await DiskTier.open(dir, 1 << 20);
    expect(mode(dir)).toBe(0o700);

    const rename = fsp.rename;
    const tempModes: number[] = [];
    const spy = vi.spyOn(fsp, 'rename').mockImplementation(async (from, to) => {
      tempModes.push(mode(String(from)));
      return rename(from, to);
    });
    try {
      await tier.write(e('a'), Buffer.alloc(100));
    } finally {
      spy.mockRestore();
    }
    expect(tempModes).toEqual([0o600]);
    expect(mode(path.join(dir, 'a.kvb'))).toBe(0o600);

    // A file from before (0644) is private once the tier opens again, and still read; a link is left alone.
    fs.chmodSync(path.join(dir, 'a.kvb'), 0o644);
    const outside = path.join(parent, 'outside.txt');
    fs.writeFileSync(outside, 'not a block', { mode: 0o644 });
    fs.symlinkSync(outside, path.join(dir, 'b.kvb'));
    const reopened = await DiskTier.open(dir, 1 << 20);
    expect(mode(path.join(dir, 'a.kvb'))).toBe(0o600);
    expect(await reopened.read(e('a'))).toHaveProperty('payload');
    expect(mode(outside)).toBe(0o644);
    expect(reopened.has('b')).toBe(false);
    expect(fs.readdirSync(dir).sort()).toEqual(['a.kvb', 'b.kvb']);
  });

  it('disk tier: a failed write leaves no temp file and keeps nothing of the block', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steerway-tier-'));
    dirs.push(dir);
    const tier = await DiskTier.open(dir, 1 << 20);
    const spy = vi.spyOn(fsp, 'rename').mockRejectedValueOnce(Object.assign(new Error('no space'), { code: 'ENOSPC' }));
    try {
      await expect(tier.write({ key: 'a', model: 'm', layout: 'l', tokenCount: 1 }, Buffer.alloc(100))).rejects.toThrow('no space');
    } finally {
      spy.mockRestore();
    }
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(tier.has('a')).toBe(false);
  });
});

describe('sampling', () => {
  const logits = Float32Array.from([0.1, 2.5, -1, 2.4, 0]);

  it('temperature 0 is greedy; top-k 1 is greedy at any temperature', () => {
    expect(sampleToken(logits, { temperature: 0, topK: 0, topP: 1 }, new SeededRandom(1))).toBe(1);
    for (let s = 0; s < 20; s++) expect(sampleToken(logits, { temperature: 5, topK: 1, topP: 1 }, new SeededRandom(s))).toBe(argmax(logits));
  });

  it('is reproducible by seed, and top-p keeps only the nucleus', () => {
    const draw = (seed: number) => {
      const rng = new SeededRandom(seed);
      return Array.from({ length: 30 }, () => sampleToken(logits, { temperature: 1, topK: 0, topP: 1 }, rng));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(new Set(draw(7)).size).toBeGreaterThan(1);
    const rng = new SeededRandom(3);
    const nucleus = new Set(Array.from({ length: 200 }, () => sampleToken(logits, { temperature: 1, topK: 0, topP: 0.5 }, rng)));
    expect([...nucleus].sort()).toEqual([1, 3]);
  });

  it('log-probabilities are a normalized log-softmax, top K sorted', () => {
    const { logprob, top } = logprobsOf(logits, 3, 3);
    const total = Array.from(logits).reduce((s, _, i) => s + Math.exp(logprobsOf(logits, i, 0).logprob), 0);
    expect(total).toBeCloseTo(1, 6);
    expect(top.map((t) => t.token)).toEqual([1, 3, 0]);
    expect(top[1]!.logprob).toBeCloseTo(logprob, 6);
  });

  it('cuts inline suggestions at the end of a line or of a block', () => {
    expect(boundaryCut('  foo(1);\nbar', 'line')).toBe(9);
    expect(boundaryCut('\n  foo', 'line')).toBe(-1);
    expect(boundaryCut('a\nb', 'none')).toBe(-1);
    expect(boundaryCut('if (x) {\n  y();\n}\n\nnext', 'block')).toBe(17);
    expect(boundaryCut('  y();\n}\nmore', 'block')).toBe(7);
    expect(boundaryCut('  y();\n  z();', 'block')).toBe(-1);
  });
});
