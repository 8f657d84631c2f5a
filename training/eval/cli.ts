// `npm run train:eval -- --run out/training/<run> [--model model.gguf] [--compare label=other.gguf]`:
// evaluates on the held-out packages of the run's corpus and writes eval.json and eval.md into the run folder.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { evaluateModel, type EvalReport } from './evaluate';
import { evalMarkdown } from './report';
import { readCorpus } from '../corpus/read';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      run: { type: 'string' },
      model: { type: 'string' },
      compare: { type: 'string', multiple: true },
      tasks: { type: 'string', default: '100' },
      documents: { type: 'string', default: '3' },
      'perplexity-files': { type: 'string', default: '200' },
      seed: { type: 'string', default: '1' },
    },
  });
  if (!values.run) throw new Error('usage: train:eval --run out/training/<run> [--model file.gguf] [--compare label=file.gguf] [--tasks N]');
  const files = [...readCorpus(join(values.run, 'corpus.jsonl'), 'eval')].map(({ package: pkg, path, text }) => ({ package: pkg, path, text }));
  const models = [
    { label: 'trained', path: values.model ?? join(values.run, 'model.gguf') },
    ...(values.compare ?? []).map((entry) => {
      const at = entry.indexOf('=');
      return { label: entry.slice(0, at), path: entry.slice(at + 1) };
    }),
  ];
  const reports: { label: string; report: EvalReport }[] = [];
  for (const { label, path } of models) {
    const report = await evaluateModel({
      modelPath: path,
      files,
      tasksPerKind: Number(values.tasks),
      seed: Number(values.seed),
      documents: Number(values.documents),
      perplexityFiles: Number(values['perplexity-files']),
      onProgress: (message) => console.error(`[eval ${label}] ${message}`),
    });
    reports.push({ label, report });
  }
  writeFileSync(join(values.run, 'eval.json'), `${JSON.stringify(reports, null, 1)}\n`);
  const markdown = evalMarkdown(reports);
  writeFileSync(join(values.run, 'eval.md'), markdown);
  console.log(markdown);
}

await main();
