import { readFileSync } from 'node:fs';
import type { SourceFile } from './tasks';

/** The files of the held-out split, in corpus order. */
export function readEvalFiles(corpusPath: string): SourceFile[] {
  const files: SourceFile[] = [];
  for (const line of readFileSync(corpusPath, 'utf8').split('\n')) {
    if (!line) continue;
    const row = JSON.parse(line) as SourceFile & { split: string };
    if (row.split === 'eval') files.push({ package: row.package, path: row.path, text: row.text });
  }
  return files;
}
