// Perplexity and next-token accuracy of a GGUF model on held-out files, computed by llama.cpp itself (the
// native addon), on the same layout the model was trained on: `<|repo_name|>package\n<|file_sep|>path\n` text.
import type { AddonModel } from '../../native/binding';
import { argmax, logSumExp } from '../../assistant/engine';
import type { SourceFile } from './tasks';

export interface TokenScores {
  files: number;
  /** Scored tokens (the file text, not the header). */
  tokens: number;
  /** Mean negative log-likelihood per token (nats). */
  nll: number;
  perplexity: number;
  /** Share of tokens where the most likely next token was the right one. */
  accuracy: number;
}

/** Scores each file's first `contextSize` tokens (header included) with one causal pass per file. */
export async function scoreTokens(model: AddonModel, files: readonly SourceFile[], contextSize: number, batchSize = 256): Promise<TokenScores> {
  batchSize = Math.min(batchSize, contextSize);
  const context = await model.createContext({ nCtx: contextSize, nBatch: batchSize });
  let nll = 0;
  let correct = 0;
  let scored = 0;
  try {
    for (const file of files) {
      const header = model.tokenize(`<|repo_name|>${file.package}\n<|file_sep|>${file.path}\n`, { addSpecial: false, parseSpecial: true });
      const body = model.tokenize(file.text, { addSpecial: false, parseSpecial: false });
      const tokens = Int32Array.from([...header, ...body].slice(0, contextSize));
      context.clearMemory();
      for (let start = 0; start < tokens.length - 1; start += batchSize) {
        const chunk = tokens.subarray(start, Math.min(start + batchSize, tokens.length - 1));
        await context.decode({
          tokens: chunk,
          positions: Int32Array.from(chunk, (_, i) => start + i),
          seqIds: new Int32Array(chunk.length),
          logits: new Uint8Array(chunk.length).fill(1),
        });
        for (let i = 0; i < chunk.length; i++) {
          const target = start + i + 1;
          if (target < header.length) continue;
          const row = context.logits(i);
          const next = tokens[target]!;
          nll += logSumExp(row) - row[next]!;
          if (argmax(row) === next) correct++;
          scored++;
        }
      }
    }
  } finally {
    context.dispose();
  }
  const mean = scored === 0 ? Number.NaN : nll / scored;
  return { files: files.length, tokens: scored, nll: mean, perplexity: Math.exp(mean), accuracy: scored === 0 ? Number.NaN : correct / scored };
}
