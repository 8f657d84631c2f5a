// Prompt formats, picked from the FIM token ids the GGUF declares (never from the model's file name).
import type { TokenizeOptions, VocabInfo } from '../../native/binding';
import { healTail, type TokenPieceIndex } from './healing';
import type { FimTokens, PromptFormatName } from './types';

/** The part of a loaded model the prompt builder needs (AddonModel satisfies it). */
export interface VocabReader {
  readonly vocab: VocabInfo;
  tokenText(token: number): string;
  tokenize(text: string, options?: TokenizeOptions): Int32Array;
}

export interface PromptFormat {
  name: PromptFormatName;
  note: string;
  fim: FimTokens;
  bos: number | null;
}

const id = (t: number): number | null => (t >= 0 ? t : null);

/** A control token by its text, when the vocabulary has it as one token (read from the GGUF's vocabulary). */
function controlToken(model: VocabReader, text: string): number | null {
  const ids = model.tokenize(text, { addSpecial: false, parseSpecial: true });
  return ids.length === 1 && model.tokenText(ids[0]!) === text ? ids[0]! : null;
}

export function detectFormat(model: VocabReader): PromptFormat {
  const v = model.vocab;
  const bos = v.addBos ? id(v.bos) : null;
  let fim: FimTokens = {
    prefix: id(v.fimPre),
    suffix: id(v.fimSuf),
    middle: id(v.fimMid),
    repoName: id(v.fimRep),
    fileSeparator: id(v.fimSep),
  };
  if (fim.prefix === null || fim.suffix === null || fim.middle === null) {
    return {
      name: 'plain-prefix',
      bos,
      fim: { prefix: null, suffix: null, middle: null, repoName: null, fileSeparator: null },
      note: 'the model declares no FIM tokens: plain prefix completion, the code after the cursor is not used',
    };
  }
  const pre = model.tokenText(fim.prefix).replace(/^\u2581/, '');
  let name: PromptFormatName;
  if (pre === '<|fim_prefix|>') name = 'qwen2.5-coder';
  else if (pre === '<fim_prefix>') {
    name = 'starcoder2';
    // Older llama.cpp vocab code may not map StarCoder2's repository tokens: look them up by their text.
    fim = { ...fim, repoName: fim.repoName ?? controlToken(model, '<repo_name>'), fileSeparator: fim.fileSeparator ?? controlToken(model, '<file_sep>') };
  } else if (pre === '<PRE>') name = 'codellama';
  else if (pre === '<\uff5cfim\u2581begin\uff5c>') name = 'deepseek-coder';
  else name = 'fim-generic';
  const layout = fim.fileSeparator !== null ? 'documents as repository files' : 'documents as plain text before the file';
  return { name, bos, fim, note: `${name} FIM tokens ${fim.prefix}/${fim.suffix}/${fim.middle} from the GGUF; ${layout}` };
}

/** Token ids of one completion prompt, in pieces: the shared prefix, each document, the query at the cursor. */
export interface PromptPieces {
  shared: number[];
  documents: { name: string; tokens: number[] }[];
  query: number[];
}

const text = (model: VocabReader, s: string): number[] => (s ? Array.from(model.tokenize(s, { addSpecial: false, parseSpecial: false })) : []);

export function sharedPrefixTokens(model: VocabReader, format: PromptFormat, repoName: string): number[] {
  const out: number[] = format.bos !== null ? [format.bos] : [];
  if (format.fim.repoName !== null) out.push(format.fim.repoName, ...text(model, `${repoName}\n`));
  return out;
}

export function documentTokens(model: VocabReader, format: PromptFormat, name: string, body: string): number[] {
  const sep = format.fim.fileSeparator;
  if (sep !== null) return [sep, ...text(model, `${name}\n${body}\n`)];
  return text(model, `File: ${name}\n${body}\n\n`);
}

/**
 * Token healing by default only where the model continues plain text (no FIM tokens): a FIM model is trained on a
 * prefix tokenized apart from its middle, as the engine sends it, and healing measurably hurt one trained so (README,
 * "Token healing, measured").
 */
export function healsByDefault(format: PromptFormat): boolean {
  return format.name === 'plain-prefix';
}

/**
 * The query at the cursor: the file's header, then prefix, suffix and the middle token in the format's order. With
 * `healing`, the prefix's last token is taken back where it could have merged with what follows (healing.ts);
 * `healed` is its text, '' when none.
 */
export function queryPrompt(model: VocabReader, format: PromptFormat, prefix: string, suffix: string, fileName: string | undefined, healing: TokenPieceIndex | null): { tokens: number[]; healed: string } {
  const out: number[] = [];
  const { fim } = format;
  if (fim.fileSeparator !== null && fileName) out.push(fim.fileSeparator, ...text(model, `${fileName}\n`));
  const prefixTokens = text(model, prefix);
  const heal = (allowed: boolean): { tokens: number[]; text: string } => (healing && allowed ? healTail(prefixTokens, healing) : { tokens: prefixTokens, text: '' });
  if (fim.prefix === null || fim.suffix === null || fim.middle === null) {
    // A plain prompt keeps at least one token of its own.
    const kept = heal(out.length + prefixTokens.length > 1);
    return { tokens: [...out, ...kept.tokens], healed: kept.text };
  }
  const kept = heal(true);
  return { tokens: [...out, fim.prefix, ...kept.tokens, fim.suffix, ...text(model, suffix), fim.middle], healed: kept.text };
}

export function queryTokens(model: VocabReader, format: PromptFormat, prefix: string, suffix: string, fileName: string | undefined): number[] {
  return queryPrompt(model, format, prefix, suffix, fileName, null).tokens;
}

/** Splits a document's tokens into blocks of at most `size` tokens. */
export function splitBlocks(tokens: readonly number[], size: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < tokens.length; i += size) out.push(tokens.slice(i, i + size));
  return out;
}
