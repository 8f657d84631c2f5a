// The trained tokenizer in a GGUF, read by llama.cpp itself (the native addon, vocabulary only): its tokenization
// of real code equals our encoder's, its control tokens parse, it reports the FIM tokens, the engine sees Qwen2.5-Coder.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { detectFormat } from '../../assistant/engine/format';
import { GgufWriter } from '../../tools/gguf-fixtures/writer';
import { classifyFile, extensionOf } from '../../training/corpus/files';
import { findPackages, packageFiles } from '../../training/corpus/packages';
import { writeTokenizerMetadata } from '../../training/tokenizer/gguf';
import { CONTROL_TOKENS, Tokenizer, type ControlName } from '../../training/tokenizer/tokenizer';
import { ChunkCounter, trainBpe } from '../../training/tokenizer/trainer';
import type { AddonModel, NativeAddon } from '../../native/binding';
import { describeNative, setupAddon, tempDir } from './helpers';

const root = path.resolve(__dirname, '../../node_modules');

/** Source files from node_modules in a fixed order, up to `bytes`, skipping the first `skip` bytes' worth. */
function realCode(skip: number, bytes: number): string[] {
  const out: string[] = [];
  let seen = 0;
  let taken = 0;
  for (const pkg of findPackages([root]).packages) {
    for (const rel of packageFiles(pkg.dir)) {
      if (!extensionOf(rel)) continue;
      const result = classifyFile(fs.readFileSync(path.join(pkg.dir, rel)));
      if (!('text' in result)) continue;
      seen += result.text.length;
      if (seen <= skip) continue;
      out.push(result.text);
      taken += result.text.length;
      if (taken >= bytes) return out;
    }
  }
  return out;
}

/** Text that exercises the pre-tokenizer's corners: scripts, marks, odd whitespace, contractions, astral code points. */
const STRESS = [
  "It's we'RE they've I'M you'll he'd 'S 'x '",
  'naïve café e\u0301 ﬁ Ελληνικά кириллица 日本語のテキスト 한국어 עברית العربية ١٢٣ ①②',
  'tabs\t\tand\u00a0nbsp\u2028line\u2029para\u3000ideographic\u000bvt\u000cff\u0085nel',
  'crlf\r\n\r\n  \r\n\n\n   x  \n\ttrailing   ',
  'emoji 👍🏽 🇩🇪 👨‍👩‍👧 astral 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛',
  'numbers 1234567890 0x1F 3.14e-10 1_000_000',
  'symbols ~!@#$%^&*()_+{}|:"<>?`-=[]\\;\',./ ≠ ≤ → ∀ © ® ™',
  'lone \ud800 surrogates \udc00 here',
  '<|fim_prefix|> as text <|endoftext|>',
  '\u0000\u0001\u001f\u007f control bytes',
].join('\n');

describeNative('trained tokenizer in llama.cpp', () => {
  let dir: string;
  let addon: NativeAddon;
  let model: AddonModel;
  let tokenizer: Tokenizer;
  let testTexts: string[];

  beforeAll(async () => {
    dir = tempDir();
    const counter = new ChunkCounter();
    for (const text of realCode(0, 2_000_000)) counter.add(text);
    tokenizer = new Tokenizer(trainBpe(counter.counts, { vocabSize: 4096 }).json);
    testTexts = realCode(2_000_000, 400_000);
    const ts = path.join(root, 'typescript/lib');
    for (const lang of ['ja', 'ru', 'ko', 'zh-cn', 'de']) {
      testTexts.push(fs.readFileSync(path.join(ts, lang, 'diagnosticMessages.generated.json'), 'utf8').slice(0, 20_000));
    }
    testTexts.push(STRESS);

    const file = path.join(dir, 'vocab.gguf');
    const w = new GgufWriter()
      .string('general.architecture', 'llama')
      .string('general.name', 'steerway-tokenizer-test')
      .u32('llama.context_length', 2048)
      .u32('llama.embedding_length', 64)
      .u32('llama.block_count', 1)
      .u32('llama.feed_forward_length', 128)
      .u32('llama.attention.head_count', 4)
      .u32('llama.attention.head_count_kv', 4)
      .f32('llama.attention.layer_norm_rms_epsilon', 1e-5)
      .f32('llama.rope.freq_base', 10000)
      .u32('llama.rope.dimension_count', 16)
      .u32('llama.vocab_size', tokenizer.size);
    writeTokenizerMetadata(w, tokenizer).write(file);
    addon = setupAddon();
    model = await addon.loadModel(file, { vocabOnly: true });
  }, 120_000);

  afterAll(() => {
    model?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('tokenizes real code and odd text exactly as our encoder does', () => {
    let bytes = 0;
    for (const text of testTexts) {
      const ours = tokenizer.encode(text);
      const theirs = Array.from(model.tokenize(text, { addSpecial: false, parseSpecial: false }));
      if (ours.join(',') !== theirs.join(',')) {
        let i = 0;
        while (ours[i] === theirs[i]) i++;
        const around = (ids: number[]): string => JSON.stringify(tokenizer.decode(ids.slice(Math.max(0, i - 3), i + 3)));
        expect.fail(`first difference at token ${i}: ours ${around(ours)}, llama.cpp ${around(theirs)}`);
      }
      expect(model.detokenize(Int32Array.from(ours))).toBe(tokenizer.decode(ours));
      bytes += text.length;
    }
    expect(bytes).toBeGreaterThan(400_000);
  });

  it('parses each control token to its id', () => {
    for (const name of Object.keys(CONTROL_TOKENS) as ControlName[]) {
      const ids = Array.from(model.tokenize(`x${CONTROL_TOKENS[name]}y`, { addSpecial: false, parseSpecial: true }));
      expect(ids).toEqual(tokenizer.encode(`x${CONTROL_TOKENS[name]}y`, { parseSpecial: true }));
      expect(ids[1]).toBe(tokenizer.special[name]);
      expect(model.isControl(tokenizer.special[name])).toBe(true);
    }
  });

  it('reports the FIM tokens and end of text, adds nothing, and reads as Qwen2.5-Coder to the engine', () => {
    const s = tokenizer.special;
    expect(model.vocab).toMatchObject({
      nVocab: tokenizer.size, eos: s.eot, eot: s.eot, pad: s.fimPad, addBos: false, addEos: false,
      fimPre: s.fimPre, fimSuf: s.fimSuf, fimMid: s.fimMid, fimPad: s.fimPad, fimRep: s.fimRep, fimSep: s.fimSep,
    });
    expect(model.info.vocabType).toBe('bpe');
    expect(model.isEog(s.eot)).toBe(true);
    expect(Array.from(model.tokenize('abc', { addSpecial: true }))).toEqual(tokenizer.encode('abc'));
    const format = detectFormat(model);
    expect(format.name).toBe('qwen2.5-coder');
    expect(format.fim).toEqual({ prefix: s.fimPre, suffix: s.fimSuf, middle: s.fimMid, repoName: s.fimRep, fileSeparator: s.fimSep });
  });
});
