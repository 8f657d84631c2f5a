// The tokenizer as GGUF metadata (llama.cpp's `gpt2` BPE vocabulary with the `qwen2` pre-tokenizer).
import { GgufValueType } from '../../assistant/gguf/format';
import { writeFimTokenIds } from '../../tools/gguf-fixtures/model';
import type { GgufWriter } from '../../tools/gguf-fixtures/writer';
import type { Tokenizer, TokenizerJson } from './tokenizer';

/** Adds the tokenizer.ggml.* keys for `tokenizer` to `writer` (the model's architecture keys are the caller's). */
export function writeTokenizerMetadata(writer: GgufWriter, tokenizer: Tokenizer | TokenizerJson): GgufWriter {
  const json = 'toJSON' in tokenizer ? tokenizer.toJSON() : tokenizer;
  const s = json.special;
  writer
    .string('tokenizer.ggml.model', 'gpt2')
    .string('tokenizer.ggml.pre', 'qwen2')
    .array('tokenizer.ggml.tokens', GgufValueType.String, json.tokens)
    .array('tokenizer.ggml.token_type', GgufValueType.Int32, json.types)
    .array('tokenizer.ggml.merges', GgufValueType.String, json.merges)
    // llama.cpp defaults a gpt2 vocabulary's BOS to id 11; name <|endoftext|> as Qwen2.5 does (never added).
    .u32('tokenizer.ggml.bos_token_id', s.eot)
    .u32('tokenizer.ggml.eos_token_id', s.eot)
    .u32('tokenizer.ggml.eot_token_id', s.eot)
    .u32('tokenizer.ggml.padding_token_id', s.fimPad);
  return writeFimTokenIds(writer, s);
}
