// The addon's model side: loading, metadata, vocabulary facts, tokenizer round trips, load errors.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AddonNotBuiltError, TokenAttr, isNativeError, loadAddon, resolveBinsFolder, type AddonModel, type NativeAddon } from '../../native/binding';
import type { GeneratedModel } from '../../tools/gguf-fixtures/model';
import { Rng } from '../../tools/gguf-fixtures/random';
import { describeNative, makeModel, setupAddon, tempDir } from './helpers';

describeNative('native addon: model', () => {
  let addon: NativeAddon;
  let dir: string;
  let gen: GeneratedModel;
  let model: AddonModel;

  beforeAll(async () => {
    addon = setupAddon();
    dir = tempDir();
    gen = makeModel(dir, { seed: 7 });
    model = await addon.loadModel(gen.path);
  });
  afterAll(() => {
    model?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('pins the CPU backend it was asked for', () => {
    expect(addon.backend.pinnedCpuBackend).toMatch(/libggml-cpu-[\w-]+\.so$/);
    expect(addon.backend.loadedBackends).toEqual([{ name: 'CPU', path: addon.backend.pinnedCpuBackend }]);
    expect(addon.backend.devices.some((d) => d.type === 'cpu')).toBe(true);
  });

  it('loads once per process and names what is missing', () => {
    expect(loadAddon({ cpuBackend: addon.backend.pinnedCpuBackend ?? undefined })).toBe(addon);
    expect(() => loadAddon({ cpuBackend: 'x64-does-not-exist' })).toThrow(expect.objectContaining({ code: 'ERR_ALREADY_INITIALIZED' }));
    expect(() => loadAddon({ addonPath: path.join(dir, 'none.node') })).toThrow(AddonNotBuiltError);
    expect(resolveBinsFolder(false)).toBe(addon.backend.binsFolder);
  });

  it('reads the shape and every GGUF key back', () => {
    expect(model.path).toBe(gen.path);
    expect(model.info).toMatchObject({
      architecture: 'llama', nLayer: 2, nEmbd: 128, nHead: 4, nHeadKv: 2, nCtxTrain: 4096, nVocab: 1024, vocabType: 'spm',
      hasEncoder: false, isRecurrent: false,
    });
    expect(model.info.nParams).toBeGreaterThan(100_000);
    expect(model.info.size).toBeGreaterThan(model.info.nParams * 3);
    expect(model.info.chatTemplate).toContain('<|im_start|>');
    const md = model.metadata();
    expect(md['general.architecture']).toBe('llama');
    expect(md['llama.context_length']).toBe(4096);
    expect(md['llama.attention.layer_norm_rms_epsilon']).toBeCloseTo(1e-5, 8);
    expect(md['tokenizer.ggml.add_space_prefix']).toBe(false);
    expect(md['tokenizer.ggml.tokens']).toEqual({ arrayType: 'string', length: 1024 });
    expect(md['tokenizer.ggml.fim_pre_token_id']).toBe(gen.tokens.fimPre);
    expect(md['tokenizer.ggml.fim_sep_token_id']).toBe(gen.tokens.fimSep);
    const tokens = model.metadataArray('tokenizer.ggml.tokens');
    expect(tokens?.[gen.tokens.fimPre]).toBe('<|fim_prefix|>');
    expect(tokens?.[3]).toBe('<0x00>');
    expect(model.metadataArray('tokenizer.ggml.token_type')?.[3]).toBe(6);
    expect(model.metadataArray('general.architecture')).toBeNull();
    expect(model.metadataArray('no.such.key')).toBeNull();
  });

  it('reports the FIM, eot and file separator tokens', () => {
    const t = gen.tokens;
    expect(model.vocab).toMatchObject({
      nVocab: 1024, bos: t.bos, eos: t.eos, eot: t.eot, fimPre: t.fimPre, fimSuf: t.fimSuf, fimMid: t.fimMid,
      fimPad: t.fimPad, fimRep: t.fimRep, fimSep: t.fimSep, addBos: false, addEos: false,
    });
    expect(model.isEog(t.eot)).toBe(true);
    expect(model.isEog(t.eos)).toBe(true);
    expect(model.isEog(t.fimPre)).toBe(false);
    expect(model.isControl(t.fimMid)).toBe(true);
    expect(model.tokenText(t.fimSep)).toBe('<|file_sep|>');
    expect(model.tokenAttributes(3 + 0x41) & TokenAttr.byte).toBeTruthy();
    expect(model.tokenAttributes(t.fimPre) & TokenAttr.control).toBeTruthy();
  });

  it('round-trips arbitrary UTF-8 through tokenize/detokenize', () => {
    const samples = [
      '',
      'function main() {\n  return 42;\n}\n',
      '\tdef f(x):\n\t\treturn x  # tabs and  double  spaces  ',
      'héllo wörld ✓ 日本語のテキスト 🚀👩‍💻 \u0000 \u007f \r\n',
      '  leading and trailing spaces  ',
    ];
    const rng = new Rng(42);
    for (let s = 0; s < 30; s++) {
      let text = '';
      const len = rng.next() % 60;
      for (let i = 0; i < len; i++) {
        const r = rng.next();
        // Mostly ASCII, some of every UTF-8 length; no lone surrogates and no U+2581 (SPM's space).
        let cp = r % 4 === 0 ? 0x80 + ((r >>> 8) % 0x10ff7f) : 0x20 + ((r >>> 8) % 0x5f);
        if ((cp >= 0xd800 && cp <= 0xdfff) || cp === 0x2581) cp = 0x41;
        text += String.fromCodePoint(cp);
      }
      samples.push(text);
    }
    for (const text of samples) {
      const tokens = model.tokenize(text);
      expect(tokens).toBeInstanceOf(Int32Array);
      expect(model.detokenize(tokens)).toBe(text);
      const bytes = Buffer.concat(Array.from(tokens, (t) => model.tokenPiece(t)));
      expect(bytes.equals(Buffer.from(text, 'utf8'))).toBe(true);
    }
  });

  it('merges common code into multi-character pieces', () => {
    const text = 'export function return const';
    expect(model.tokenize(text).length).toBeLessThan(text.length / 2);
  });

  it('parses control tokens only when asked', () => {
    const t = gen.tokens;
    const text = '<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>';
    const parsed = Array.from(model.tokenize(text, { parseSpecial: true }));
    expect(parsed[0]).toBe(t.fimPre);
    expect(parsed).toContain(t.fimSuf);
    expect(parsed[parsed.length - 1]).toBe(t.fimMid);
    const plain = model.tokenize(text);
    expect(plain).not.toContain(t.fimPre);
    expect(model.detokenize(plain)).toBe(text);
    expect(model.detokenize(Int32Array.of(t.fimPre))).toBe('');
    expect(model.detokenize(Int32Array.of(t.fimPre), { unparseSpecial: true })).toBe('<|fim_prefix|>');
    expect(Buffer.from(model.tokenPiece(t.fimSep, { special: true })).toString()).toBe('<|file_sep|>');
  });

  it('rejects bad arguments with coded errors', () => {
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (err) {
        if (isNativeError(err)) return err.code;
        throw err;
      }
      return undefined;
    };
    expect(code(() => model.tokenize(42 as unknown as string))).toBe('ERR_INVALID_ARG');
    expect(code(() => model.tokenize('x', { addSpecial: 'yes' as unknown as boolean }))).toBe('ERR_INVALID_ARG');
    expect(code(() => model.tokenText(-1))).toBe('ERR_INVALID_ARG');
    expect(code(() => model.tokenText(1024))).toBe('ERR_INVALID_ARG');
    expect(code(() => model.tokenText(1.5))).toBe('ERR_INVALID_ARG');
    expect(code(() => model.tokenPiece(Number.NaN))).toBe('ERR_INVALID_ARG');
    expect(code(() => model.detokenize(Int32Array.of(1, 99999)))).toBe('ERR_INVALID_ARG');
    expect(code(() => model.detokenize([1, 2] as unknown as Int32Array))).toBe('ERR_INVALID_ARG');
    expect(code(() => model.metadataArray(undefined as unknown as string))).toBe('ERR_INVALID_ARG');
  });

  it('rejects bad context options', async () => {
    for (const options of [{ nSeqMax: 257 }, { nSeqMax: 0 }, { nBatch: 64, nSeqMax: 65 }, { nCtx: -5 }, { nBatch: 100000, nCtx: 256 }, { typeK: 'q4_0' }, { flashAttention: 'on' }, { threads: 0 }]) {
      await expect(model.createContext(options as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    }
  });

  it('turns missing, corrupt and truncated GGUF files into ERR_MODEL_LOAD', async () => {
    await expect(addon.loadModel(path.join(dir, 'missing.gguf'))).rejects.toMatchObject({ name: 'LlamaNativeError', code: 'ERR_MODEL_LOAD' });
    const garbage = path.join(dir, 'garbage.gguf');
    fs.writeFileSync(garbage, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff)));
    await expect(addon.loadModel(garbage)).rejects.toMatchObject({ code: 'ERR_MODEL_LOAD' });
    const bytes = fs.readFileSync(gen.path);
    const truncated = path.join(dir, 'truncated.gguf');
    fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(addon.loadModel(truncated)).rejects.toMatchObject({ code: 'ERR_MODEL_LOAD' });
    const headerOnly = path.join(dir, 'header.gguf');
    fs.writeFileSync(headerOnly, bytes.subarray(0, 2000));
    await expect(addon.loadModel(headerOnly)).rejects.toMatchObject({ code: 'ERR_MODEL_LOAD' });
    const badMagic = Buffer.from(bytes);
    badMagic.write('GGUX', 0);
    fs.writeFileSync(path.join(dir, 'magic.gguf'), badMagic);
    await expect(addon.loadModel(path.join(dir, 'magic.gguf'))).rejects.toMatchObject({ code: 'ERR_MODEL_LOAD' });
    await expect(addon.loadModel(dir)).rejects.toMatchObject({ code: 'ERR_MODEL_LOAD' });
    await expect(addon.loadModel(7 as unknown as string)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
  });

  it('loads the vocabulary alone', async () => {
    const vocabOnly = await addon.loadModel(gen.path, { vocabOnly: true });
    expect(model.detokenize(vocabOnly.tokenize('x = 1'))).toBe('x = 1');
    await expect(vocabOnly.createContext()).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    vocabOnly.dispose();
  });

  it('refuses use after dispose', async () => {
    const other = await addon.loadModel(gen.path);
    other.dispose();
    other.dispose();
    expect(other.disposed).toBe(true);
    expect(() => other.tokenize('x')).toThrow(expect.objectContaining({ code: 'ERR_DISPOSED' }));
    expect(() => other.metadata()).toThrow(expect.objectContaining({ code: 'ERR_DISPOSED' }));
    await expect(other.createContext()).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
  });
});
