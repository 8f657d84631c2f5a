// Asks models the evaluation's idioms in three prompt orders, each with and without token healing: PSM (what the
// engine sends), SPM (<|fim_prefix|><|fim_suffix|> suffix <|fim_middle|> prefix) and the prefix alone. Which order a
// model answers in says what it learnt; see README.md here.
// npx tsx results/healing/prompt-orders.ts <out.json> <label>=<model.gguf>...
// writes every answer: {label: {"<order>, token healing on|off": {idiom id: answer}}}.
import { writeFileSync } from 'node:fs';
import { healTail, sharedPrefixTokens, TokenPieceIndex } from '../../assistant/engine';
import { greedyBatch } from '../../training/eval/batch';
import { openEvalModel } from '../../training/eval/evaluate';
import { loadIdioms, type IdiomCase } from '../../training/eval/idioms';
import { scoreIdiom } from '../../training/eval/metrics';

async function askInOrders(modelPath: string): Promise<Record<string, Record<string, string>>> {
  const { model, format } = await openEvalModel(modelPath);
  const { prefix: pre, suffix: suf, middle: mid, fileSeparator: sep } = format.fim;
  if (pre === null || suf === null || mid === null || sep === null) throw new Error(`${modelPath} has no Qwen-style FIM tokens`);
  const text = (s: string): number[] => (s ? Array.from(model.tokenize(s, { addSpecial: false, parseSpecial: false })) : []);
  const index = new TokenPieceIndex(model);
  const cases = loadIdioms();
  const orders: Record<string, (c: IdiomCase, prefix: number[]) => number[]> = {
    psm: (c, prefix) => [pre, ...prefix, suf, ...text(c.suffix), mid],
    spm: (c, prefix) => [pre, suf, ...text(c.suffix), mid, ...prefix],
    'prefix alone': (_c, prefix) => prefix,
  };
  const out: Record<string, Record<string, string>> = {};
  for (const [order, build] of Object.entries(orders)) {
    for (const healing of [false, true]) {
      const prompts = cases.map((c) => {
        const healed = healing ? healTail(text(c.prefix), index) : { tokens: text(c.prefix), text: '' };
        const tokens = [...sharedPrefixTokens(model, format, 'workspace'), sep, ...text(`${c.path}\n`), ...build(c, healed.tokens)];
        return { tokens, healed: healed.text, maxTokens: 32, stopAt: 'line' as const };
      });
      const answers = await greedyBatch(model, prompts, index);
      const scores = cases.map((c, i) => scoreIdiom(answers[i]!, c.middle, c.suffix));
      const label = `${order}, token healing ${healing ? 'on' : 'off'}`;
      const exact = scores.filter((s) => s.exact).length;
      const similarity = (100 * scores.reduce((sum, s) => sum + s.similarity, 0)) / scores.length;
      console.log(`  ${label}: ${exact} of ${cases.length} exact, ES ${similarity.toFixed(1)}%`);
      out[label] = Object.fromEntries(cases.map((c, i) => [c.id, answers[i]!]));
    }
  }
  model.dispose();
  return out;
}

const [outFile, ...models] = process.argv.slice(2);
if (!outFile || models.length === 0) throw new Error('usage: prompt-orders.ts <out.json> <label>=<model.gguf>...');
const out: Record<string, Record<string, Record<string, string>>> = {};
for (const entry of models) {
  const at = entry.indexOf('=');
  const label = entry.slice(0, at);
  console.log(label);
  out[label] = await askInOrders(entry.slice(at + 1));
}
writeFileSync(outFile, `${JSON.stringify(out)}\n`);
