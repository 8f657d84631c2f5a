// Perplexity and next-token accuracy of a GGUF model on held-out files, computed by llama.cpp itself (the
// native addon), on the same layout the model was trained on: `<|repo_name|>package\n<|file_sep|>path\n` text.
import type { AddonModel } from '../../native/binding';
import { decodeRuns, groups, PARALLEL, scoreRow } from './batch';
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

/**
 * Scores each file's first `contextSize` tokens (header included) with one causal pass per file, files side by side
 * as sequences of one context in groups (batch.ts, GROUP_CELLS), `batchSize` tokens per decode call.
 */
export async function scoreTokens(model: AddonModel, files: readonly SourceFile[], contextSize: number, batchSize = 512): Promise<TokenScores> {
  const rows = files.map((file) => {
    const header = model.tokenize(`<|repo_name|>${file.package}\n<|file_sep|>${file.path}\n`, { addSpecial: false, parseSpecial: true });
    const body = model.tokenize(file.text, { addSpecial: false, parseSpecial: false });
    return { header: header.length, tokens: [...header, ...body].slice(0, contextSize) };
  });
  let nll = 0;
  let correct = 0;
  let scored = 0;
  if (rows.length > 0) {
    // Files side by side, at most `batchSize` of them (one sequence id per token at most).
    const batches = groups(rows, (r) => r.tokens.length).flatMap((g) => (g.length <= batchSize ? [g] : Array.from({ length: Math.ceil(g.length / batchSize) }, (_, k) => g.slice(k * batchSize, (k + 1) * batchSize))));
    const nCtx = Math.ceil(Math.max(...batches.map((g) => g.reduce((n, r) => n + r.tokens.length, 0))) / 256) * 256;
    const context = await model.createContext({ nCtx, nBatch: Math.min(batchSize, nCtx), nSeqMax: Math.min(PARALLEL, batchSize) });
    const row = new Float32Array(context.nVocab);
    try {
      for (const group of batches) {
        context.clearMemory();
        // The last token of a file predicts nothing: it is not decoded.
        const runs = group.map((r, seq) => ({ seq, tokens: r.tokens.slice(0, -1), from: 0, logits: 'all' as const }));
        await decodeRuns(context, runs, (seq, pos, i) => {
          const target = pos + 1;
          if (target < group[seq]!.header) return;
          const score = scoreRow(context.logits(i, row), group[seq]!.tokens[target]!);
          nll += score.nll;
          if (score.top) correct++;
          scored++;
        });
      }
    } finally {
      context.dispose();
    }
  }
  const mean = scored === 0 ? Number.NaN : nll / scored;
  return { files: files.length, tokens: scored, nll: mean, perplexity: Math.exp(mean), accuracy: scored === 0 ? Number.NaN : correct / scored };
}
