// The tokenizer as GGUF metadata (llama.cpp's `gpt2` BPE vocabulary with the `qwen2` pre-tokenizer).
import { GgufValueType, type GgufWriter } from '../../gguf/writer';
import type { Tokenizer, TokenizerJson } from './tokenizer';

/** Adds the tokenizer.ggml.* keys for `tokenizer` to `writer` (the model's architecture keys are the caller's). */
export function writeTokenizerMetadata(writer: GgufWriter, tokenizer: Tokenizer | TokenizerJson): GgufWriter {
  const json = 'toJSON' in tokenizer ? tokenizer.toJSON() : tokenizer;
  const s = json.special;
  return writer
    .string('tokenizer.ggml.model', 'gpt2')
    .string('tokenizer.ggml.pre', 'qwen2')
    .array('tokenizer.ggml.tokens', GgufValueType.String, json.tokens)
    .array('tokenizer.ggml.token_type', GgufValueType.Int32, json.types)
    .array('tokenizer.ggml.merges', GgufValueType.String, json.merges)
    // llama.cpp defaults a gpt2 vocabulary's BOS to id 11; name <|endoftext|> as Qwen2.5 does (never added).
    .u32('tokenizer.ggml.bos_token_id', s.eot)
    .u32('tokenizer.ggml.eos_token_id', s.eot)
    .u32('tokenizer.ggml.eot_token_id', s.eot)
    .u32('tokenizer.ggml.padding_token_id', s.fimPad)
    .u32('tokenizer.ggml.fim_pre_token_id', s.fimPre)
    .u32('tokenizer.ggml.fim_suf_token_id', s.fimSuf)
    .u32('tokenizer.ggml.fim_mid_token_id', s.fimMid)
    .u32('tokenizer.ggml.fim_pad_token_id', s.fimPad)
    .u32('tokenizer.ggml.fim_rep_token_id', s.fimRep)
    .u32('tokenizer.ggml.fim_sep_token_id', s.fimSep)
    // Completion wants the text back exactly: nothing added around it.
    .bool('tokenizer.ggml.add_bos_token', false)
    .bool('tokenizer.ggml.add_eos_token', false);
}
