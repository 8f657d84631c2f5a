// `npm run training:eval -- --run out/training/<run> [--model model.gguf] [--compare label=other.gguf]`:
// evaluates on the fixed list of held-out files (eval-files.json) of the run's corpus, and on the idioms, and
// writes eval.json and eval.md into the run folder. `--pick-files N` chooses a new fixed list from the corpus first.
// `--token-healing on|off` asks with or without token healing (default: as the engine asks the model); `both`
// evaluates each model both ways side by side, the second labelled "<label>, no token healing".
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { evaluateModel, type EvalReport } from './evaluate';
import { loadIdioms } from './idioms';
import { evalMarkdown } from './report';
import { pickEvalFiles, type SourceFile } from './tasks';
import { readCorpus } from '../corpus/read';

const FILE_LIST = fileURLToPath(new URL('./eval-files.json', import.meta.url));

interface FileList {
  seed: number;
  files: { package: string; path: string }[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      run: { type: 'string' },
      model: { type: 'string' },
      compare: { type: 'string', multiple: true },
      tasks: { type: 'string', default: '12' },
      documents: { type: 'string', default: '3' },
      'perplexity-files': { type: 'string', default: '16' },
      'pick-files': { type: 'string' },
      seed: { type: 'string', default: '1' },
      'token-healing': { type: 'string', default: 'auto' },
    },
  });
  const healingSettings = new Map<string, (boolean | undefined)[]>([['auto', [undefined]], ['on', [true]], ['off', [false]], ['both', [true, false]]]).get(values['token-healing']!);
  if (!healingSettings) throw new Error(`--token-healing must be auto, on, off or both, got ${values['token-healing']}`);
  if (!values.run) throw new Error('usage: training:eval --run out/training/<run> [--model file.gguf] [--compare label=file.gguf] [--tasks N] [--pick-files N] [--token-healing auto|on|off|both]');
  const files: SourceFile[] = [...readCorpus(join(values.run, 'corpus.jsonl'), 'eval')].map(({ package: pkg, path, text }) => ({ package: pkg, path, text }));
  const seed = Number(values.seed);
  if (values['pick-files']) {
    const picked = pickEvalFiles(files, Number(values['pick-files']), seed);
    const list: FileList = { seed, files: picked.map((f) => ({ package: f.package, path: f.path })) };
    writeFileSync(FILE_LIST, `${JSON.stringify(list, null, 1)}\n`);
    console.error(`wrote ${picked.length} files of ${new Set(picked.map((f) => f.package)).size} packages to ${FILE_LIST}`);
  }
  const list = JSON.parse(readFileSync(FILE_LIST, 'utf8')) as FileList;
  const index = new Map(files.map((f) => [`${f.package}\u0000${f.path}`, f]));
  const taskFiles = list.files.map((f) => index.get(`${f.package}\u0000${f.path}`)).filter((f): f is SourceFile => f !== undefined);
  const missing = list.files.length - taskFiles.length;
  // A dependency upgraded or dropped since the list was made: say so, evaluate on the rest.
  if (missing > 0) console.error(`[eval] ${missing} of ${list.files.length} listed files are not in this corpus's held-out split`);
  if (taskFiles.length === 0) throw new Error(`none of the files in ${FILE_LIST} is in ${values.run}/corpus.jsonl (eval split): pick a new list with --pick-files N`);
  const idioms = loadIdioms();
  const models = [
    { label: 'trained', path: values.model ?? join(values.run, 'model.gguf') },
    ...(values.compare ?? []).map((entry) => {
      const at = entry.indexOf('=');
      return { label: entry.slice(0, at), path: entry.slice(at + 1) };
    }),
  ];
  const reports: { label: string; report: EvalReport }[] = [];
  const runs = models.flatMap((m) => healingSettings.map((tokenHealing) => ({ ...m, tokenHealing, label: tokenHealing !== false || healingSettings.length === 1 ? m.label : `${m.label}, no token healing` })));
  for (const { label, path, tokenHealing } of runs) {
    const report = await evaluateModel({
      modelPath: path,
      files,
      taskFiles,
      tasksPerKind: Number(values.tasks),
      seed,
      documents: Number(values.documents),
      perplexityFiles: Number(values['perplexity-files']),
      idioms,
      ...(tokenHealing === undefined ? {} : { tokenHealing }),
      onProgress: (message) => console.error(`[eval ${label}] ${message}`),
    });
    console.error(`[eval ${label}] ${report.seconds.toFixed(1)} s`);
    reports.push({ label, report });
  }
  writeFileSync(join(values.run, 'eval.json'), `${JSON.stringify(reports, null, 1)}\n`);
  const markdown = evalMarkdown(reports);
  writeFileSync(join(values.run, 'eval.md'), markdown);
  console.log(markdown);
}

await main();
