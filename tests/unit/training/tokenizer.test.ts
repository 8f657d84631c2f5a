// The encoder and decoder: merges by rank as llama.cpp applies them, control tokens, round trips on any text;
// the qwen2 pre-tokenizer; the generated Unicode tables; the GGUF metadata.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../tools/gguf-fixtures/random';
import { GgufWriter } from '../../../tools/gguf-fixtures/writer';
import { BYTE_TO_CHAR, ByteLevelError, bytesToToken, tokenToBytes } from '../../../training/tokenizer/byteLevel';
import { parseUnicodeData, renderUnicodeData } from '../../../training/tokenizer/gen-unicode';
import { writeTokenizerMetadata } from '../../../training/tokenizer/gguf';
import { preTokenize } from '../../../training/tokenizer/pretokenize';
import { CONTROL_TOKENS, TOKEN_TYPE, Tokenizer, TokenizerFormatError, type TokenizerJson } from '../../../training/tokenizer/tokenizer';
import { ChunkCounter, trainBpe } from '../../../training/tokenizer/trainer';

const CONTROL = Object.values(CONTROL_TOKENS);

/** A tokenizer with exactly these merges (tokens: bytes, merge results in order, control tokens). */
function handMade(merges: string[]): TokenizerJson {
  const tokens = [...BYTE_TO_CHAR];
  for (const m of merges) {
    const t = m.replace(' ', '');
    if (!tokens.includes(t)) tokens.push(t);
  }
  const types = tokens.map(() => TOKEN_TYPE.normal);
  const special = Object.fromEntries(Object.keys(CONTROL_TOKENS).map((name, i) => [name, tokens.length + i])) as TokenizerJson['special'];
  return { pre: 'qwen2', tokens: [...tokens, ...CONTROL], types: [...types, ...CONTROL.map(() => TOKEN_TYPE.control)], merges, special };
}

const codeSample = [
  'export function debounce(fn, wait = 100) {\n  let timer;\n  return (...args) => {\n    clearTimeout(timer);\n',
  "    timer = setTimeout(() => fn(...args), wait); // it's fine\n  };\n}\n",
  'interface Options { readonly name: string; count?: number }\n',
].join('');

function trained(vocabSize = 400): Tokenizer {
  const counter = new ChunkCounter();
  for (let i = 0; i < 20; i++) counter.add(codeSample.replaceAll('timer', `timer${i}`));
  return new Tokenizer(trainBpe(counter.counts, { vocabSize }).json);
}

describe('byte-level mapping', () => {
  it('maps the 256 bytes to 256 distinct printable characters and back', () => {
    expect(new Set(BYTE_TO_CHAR).size).toBe(256);
    expect(BYTE_TO_CHAR[0x20]).toBe('Ġ');
    expect(BYTE_TO_CHAR[0x0a]).toBe('Ċ');
    expect(BYTE_TO_CHAR[0x41]).toBe('A');
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(tokenToBytes(bytesToToken(all))).toEqual(all);
    expect(() => tokenToBytes('\u4e00')).toThrow(ByteLevelError);
  });
});

describe('qwen2 pre-tokenizer', () => {
  // The regex llama.cpp names for qwen2; on ASCII (where Unicode versions cannot differ) it must agree with the port.
  const QWEN2 = /(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

  it('splits like the regex', () => {
    expect(preTokenize("const x = 42;\n\n  if (a) {\n\treturn b's;\n  }  \n")).toEqual(
      ['const', ' x', ' =', ' ', '4', '2', ';\n\n', ' ', ' if', ' (', 'a', ')', ' {\n', '\treturn', ' b', "'s", ';\n', ' ', ' }', '  \n'],
    );
    const rng = new Rng(7);
    const pieces = ['a', 'Z', '9', ' ', '  ', '\n', '\r\n', '\t', "'", "'s", "'LL", '{', '});', '.', '_', '"', '\\', 'x1', '\u000b'];
    for (let k = 0; k < 300; k++) {
      let s = '';
      for (let i = 0; i < 30; i++) s += pieces[rng.next() % pieces.length];
      expect(preTokenize(s), JSON.stringify(s)).toEqual(s.match(QWEN2) ?? []);
    }
  });

  it('follows llama.cpp where its matcher and the regex engines part: one apostrophe form, lone surrogates', () => {
    expect(preTokenize("I'M")).toEqual(['I', "'M"]);
    expect(preTokenize('a\ud800b')).toEqual(['a', '\ufffdb']);
    expect(preTokenize('日本語 テキスト')).toEqual(['日本語', ' テキスト']);
    expect(preTokenize('x\u3000\u3000y')).toEqual(['x', '\u3000', '\u3000y']);
  });

  it('is generated from llama.cpp\'s tables (checked when the llama.cpp clone is present)', () => {
    const source = path.resolve(__dirname, '../../../native/deps/llama.cpp/src/unicode-data.cpp');
    if (!fs.existsSync(source)) return;
    const committed = fs.readFileSync(path.resolve(__dirname, '../../../training/tokenizer/unicodeData.ts'), 'utf8');
    expect(committed).toBe(renderUnicodeData(parseUnicodeData(fs.readFileSync(source, 'utf8'))));
  });
});

describe('Tokenizer', () => {
  it('applies merges by rank, not left to right', () => {
    // "b c" outranks "a b": abc -> a + bc, though "a b" is the leftmost pair.
    const tok = new Tokenizer(handMade(['b c', 'a b']));
    const id = (t: string): number => tok.tokens.indexOf(t);
    expect(tok.encode('abc')).toEqual([id('a'), id('bc')]);
    expect(tok.encode('abd')).toEqual([id('ab'), id('d')]);
    // Equal ranks: the leftmost first, so "aaa" is "aa a".
    const run = new Tokenizer(handMade(['a a']));
    expect(run.encode('aaa')).toEqual([run.tokens.indexOf('aa'), run.tokens.indexOf('a')]);
    // Merges never cross pre-tokens: "a b" does not join "a" and " b".
    const space = new Tokenizer(handMade(['a Ġ', 'aĠ b']));
    expect(space.encode('a b')).toEqual([space.tokens.indexOf('a'), space.tokens.indexOf('Ġ'), space.tokens.indexOf('b')]);
  });

  it('round-trips any text, code points of every plane, controls and byte-like characters', () => {
    const tok = trained();
    const rng = new Rng(3);
    const ranges: [number, number][] = [[0, 0x7f], [0x80, 0x7ff], [0x800, 0xd7ff], [0xe000, 0xffff], [0x10000, 0x10ffff]];
    for (let k = 0; k < 200; k++) {
      let s = '';
      for (let i = 0; i < 60; i++) {
        const [lo, hi] = ranges[rng.next() % ranges.length]!;
        s += String.fromCodePoint(lo + (rng.next() % (hi - lo + 1)));
      }
      const ids = tok.encode(s);
      expect(tok.decode(ids)).toBe(s);
      expect(tok.decodeBytes(ids)).toEqual(new TextEncoder().encode(s));
    }
    const bytesLike = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
    expect(tok.decode(tok.encode(bytesLike))).toBe(bytesLike);
    expect(tok.decode(tok.encode(codeSample))).toBe(codeSample);
    expect(tok.encode(codeSample).length).toBeLessThan(codeSample.length / 2);
    // Lone surrogates reach llama.cpp as U+FFFD; so they do here.
    expect(tok.decode(tok.encode('a\udc00b'))).toBe('a\ufffdb');
  });

  it('decodes any token sequence to bytes, and invalid UTF-8 to U+FFFD', () => {
    const tok = trained();
    const rng = new Rng(5);
    for (let k = 0; k < 50; k++) {
      const ids = Array.from({ length: 20 }, () => rng.next() % tok.size);
      const bytes = tok.decodeBytes(ids);
      expect(bytes.length).toBe(ids.reduce((n, id) => n + tok.piece(id).length, 0));
      expect(tok.decode(ids)).toBe(new TextDecoder().decode(bytes));
    }
    expect(tok.decode([0xff])).toBe('\ufffd');
    expect(() => tok.decode([tok.size])).toThrow(RangeError);
  });

  it('reports where its pre-tokens end, and the tokens of each', () => {
    const tok = trained();
    const text = `${codeSample}  \u00e9\ud83d\ude00 'll\n`;
    const { ids, ends, counts } = tok.encodeChunked(text);
    expect(ids).toEqual(tok.encode(text));
    expect(ends[ends.length - 1]).toBe(text.length);
    expect(counts[counts.length - 1]).toBe(ids.length);
    ends.forEach((end, k) => {
      const from = k === 0 ? 0 : ends[k - 1]!;
      expect(end).toBeGreaterThan(from);
      expect(ids.slice(k === 0 ? 0 : counts[k - 1], counts[k])).toEqual(tok.encode(text.slice(from, end)));
    });
  });

  it('reads control-token text as the token only when asked', () => {
    const tok = trained();
    const s = tok.special;
    const text = `x${CONTROL_TOKENS.fimPre}y${CONTROL_TOKENS.fimSuf}${CONTROL_TOKENS.fimMid}`;
    const parsed = tok.encode(text, { parseSpecial: true });
    expect(parsed).toEqual([...tok.encode('x'), s.fimPre, ...tok.encode('y'), s.fimSuf, s.fimMid]);
    const plain = tok.encode(text);
    expect(plain.some((id) => tok.isControl(id))).toBe(false);
    expect(tok.decode(plain)).toBe(text);
    expect(tok.decode(parsed)).toBe(text);
  });

  it('refuses a malformed tokenizer.json', () => {
    const good = handMade(['a b']);
    const bad = (patch: Partial<TokenizerJson>): (() => Tokenizer) => () => new Tokenizer({ ...good, ...patch });
    expect(bad({ pre: 'llama3' as 'qwen2' })).toThrow(TokenizerFormatError);
    expect(bad({ tokens: good.tokens.slice(1), types: good.types.slice(1) })).toThrow(TokenizerFormatError);
    expect(bad({ tokens: [...good.tokens.slice(0, -1), 'a'] })).toThrow(TokenizerFormatError);
    expect(bad({ merges: ['a q'] })).toThrow(TokenizerFormatError);
    expect(bad({ special: { ...good.special, fimPre: good.special.fimSuf } })).toThrow(TokenizerFormatError);
    expect(bad({ types: good.types.map(() => TOKEN_TYPE.normal) })).toThrow(TokenizerFormatError);
  });

  it('reads back what it writes', () => {
    const tok = trained();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'steerway-tok-')), 'tokenizer.json');
    fs.writeFileSync(file, JSON.stringify(tok.toJSON()));
    const again = Tokenizer.fromFile(file);
    expect(again.encode(codeSample)).toEqual(tok.encode(codeSample));
    fs.writeFileSync(file, '{');
    expect(() => Tokenizer.fromFile(file)).toThrow(TokenizerFormatError);
    fs.rmSync(path.dirname(file), { recursive: true });
  });
});

describe('writeTokenizerMetadata', () => {
  it('writes a gpt2/qwen2 vocabulary with the FIM ids and nothing added', async () => {
    const tok = trained();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steerway-tok-'));
    const file = path.join(dir, 'vocab.gguf');
    writeTokenizerMetadata(new GgufWriter().string('general.architecture', 'llama'), tok).write(file);
    const info = await readGgufFileInfo(file, { readTensorInfo: false });
    const s = tok.special;
    const t = info.metadata.tokenizer!.ggml as unknown as Record<string, unknown>;
    expect(t).toMatchObject({
      model: 'gpt2', pre: 'qwen2', bos_token_id: s.eot, eos_token_id: s.eot, eot_token_id: s.eot, padding_token_id: s.fimPad,
      fim_pre_token_id: s.fimPre, fim_suf_token_id: s.fimSuf, fim_mid_token_id: s.fimMid, fim_pad_token_id: s.fimPad,
      fim_rep_token_id: s.fimRep, fim_sep_token_id: s.fimSep, add_bos_token: false, add_eos_token: false,
    });
    expect(t.tokens).toEqual(tok.tokens);
    expect(t.token_type).toEqual(tok.types);
    expect(t.merges).toEqual(tok.merges);
    fs.rmSync(dir, { recursive: true });
  });
});
