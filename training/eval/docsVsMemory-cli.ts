// `npm run training:docs-vs-memory -- [--model file.gguf] [--manifest corpus-manifest.json] [--out folder]
// [--functions N] [--seed S]`: the docs-versus-memory evaluation (issue 16) on the held-out packages of a corpus
// manifest (API rewritten four ways: renamed, parameters swapped, options key renamed, result wrapped) and its
// training packages (unchanged), read from where the manifest found them; writes
// docs-vs-memory.json and docs-vs-memory.md into --out (default models/runs/<model's file name>).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { docsVsMemoryMarkdown, readManifestPackages, runDocsVsMemory } from './docsVsMemoryRun';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/steerway-coder.gguf' },
    manifest: { type: 'string', default: 'models/runs/steerway-coder-h200-1/corpus-manifest.json' },
    base: { type: 'string', default: '.' },
    out: { type: 'string' },
    functions: { type: 'string', default: '16' },
    seed: { type: 'string', default: '1' },
  },
});
const functions = Number(values.functions);
const seed = Number(values.seed);
if (!Number.isInteger(functions) || functions < 1 || !Number.isInteger(seed)) throw new Error('--functions must be a positive integer and --seed an integer');
// Before the packages are read (seconds): a wrong path fails at once, saying which.
for (const [option, file] of [['--model', values.model], ['--manifest', values.manifest]] as const) {
  if (!existsSync(file)) throw new Error(`${option}: no file at ${file}`);
}
const out = values.out ?? join('models', 'runs', basename(values.model).replace(/\.gguf$/i, ''));
const packages = readManifestPackages(values.manifest, values.base);
const report = await runDocsVsMemory({ modelPath: values.model, packages, functions, seed, onProgress: (m) => console.error(`[docs-vs-memory] ${m}`) });
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'docs-vs-memory.json'), `${JSON.stringify(report, null, 1)}\n`);
const markdown = docsVsMemoryMarkdown(report);
writeFileSync(join(out, 'docs-vs-memory.md'), markdown);
console.log(markdown);
