// The public set of everyday one-line infill idioms (idioms/idioms.txt, written for this project): each case a
// small file with its expected middle between « and », scored by exact match (and edit similarity) like the
// held-out infill tasks.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { InfillTask } from './tasks';

export const IDIOMS_FILE = fileURLToPath(new URL('./idioms/idioms.txt', import.meta.url));

/** Where the middle begins and ends in a case's text. */
export const MIDDLE_OPEN = '«';
export const MIDDLE_CLOSE = '»';
const CASE_HEADER = '@@@ ';
const LANGUAGES: Record<string, 'typescript' | 'javascript'> = { '.ts': 'typescript', '.tsx': 'typescript', '.js': 'javascript', '.jsx': 'javascript', '.mjs': 'javascript', '.cjs': 'javascript' };

export interface IdiomCase extends InfillTask {
  language: 'typescript' | 'javascript';
}

export class IdiomFormatError extends Error {
  override readonly name = 'IdiomFormatError';
}

const count = (text: string, ch: string): number => text.split(ch).length - 1;

/** Parses the idiom file's text; a malformed case is an error naming it and its line. */
export function parseIdioms(text: string, source = 'idioms.txt'): IdiomCase[] {
  const lines = text.split('\n');
  const out: IdiomCase[] = [];
  const ids = new Set<string>();
  let i = 0;
  while (i < lines.length && !lines[i]!.startsWith(CASE_HEADER)) {
    if (lines[i]!.trim() !== '' && !lines[i]!.startsWith('#')) throw new IdiomFormatError(`${source}:${i + 1}: text before the first case`);
    i++;
  }
  while (i < lines.length) {
    const headerLine = i + 1;
    const [id, path, ...rest] = lines[i]!.slice(CASE_HEADER.length).trim().split(/\s+/);
    const where = `${source}:${headerLine}`;
    if (!id || !path || rest.length > 0) throw new IdiomFormatError(`${where}: a case header is "${CASE_HEADER}<id> <path>"`);
    if (ids.has(id)) throw new IdiomFormatError(`${where}: case ${id} is defined twice`);
    ids.add(id);
    const language = LANGUAGES[path.slice(path.lastIndexOf('.'))];
    if (!language) throw new IdiomFormatError(`${where}: ${id}: ${path} is not a TypeScript or JavaScript file`);
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith(CASE_HEADER); i++) body.push(lines[i]!);
    while (body.length > 0 && body[body.length - 1] === '') body.pop();
    const file = `${body.join('\n')}\n`;
    if (count(file, MIDDLE_OPEN) !== 1 || count(file, MIDDLE_CLOSE) !== 1) throw new IdiomFormatError(`${where}: ${id} needs exactly one ${MIDDLE_OPEN}middle${MIDDLE_CLOSE}`);
    const open = file.indexOf(MIDDLE_OPEN);
    const close = file.indexOf(MIDDLE_CLOSE);
    const middle = file.slice(open + 1, close);
    if (close < open || middle.trim() === '') throw new IdiomFormatError(`${where}: ${id} has an empty or reversed middle`);
    if (middle.includes('\n')) throw new IdiomFormatError(`${where}: ${id}: an idiom's middle is one line`);
    out.push({ id, kind: 'single-line', package: 'idioms', path, language, prefix: file.slice(0, open), middle, suffix: file.slice(close + 1) });
  }
  return out;
}

export function loadIdioms(file = IDIOMS_FILE): IdiomCase[] {
  return parseIdioms(readFileSync(file, 'utf8'), file);
}
