// Infill tasks cut from held-out files: a gap at a line (single-line) or over a few lines (multi-line), with
// the rest of the file as prefix and suffix, as an editor sends it.
import { Rng } from '../../tools/gguf-fixtures/random';

export type InfillKind = 'single-line' | 'multi-line';

export interface SourceFile {
  package: string;
  path: string;
  text: string;
}

export interface InfillTask {
  id: string;
  kind: InfillKind;
  package: string;
  path: string;
  prefix: string;
  middle: string;
  suffix: string;
}

export interface TaskOptions {
  /** Characters of prefix and suffix kept next to the gap (an editor bounds them too). */
  prefixChars: number;
  suffixChars: number;
  /** Multi-line gaps span 2..maxLines lines. */
  maxLines: number;
}

export const DEFAULT_TASK_OPTIONS: TaskOptions = { prefixChars: 2400, suffixChars: 800, maxLines: 4 };

/** A line worth predicting: some code, not a lone bracket and not a comment. */
function isCandidate(line: string): boolean {
  const code = line.trim();
  return code.length >= 6 && code.length <= 160 && !/^(\/\/|\/\*|\*|#)/.test(code);
}

/**
 * Cuts one task of `kind` from `file` (deterministic for the same rng state), or null when the file has no
 * suitable line. The gap starts after the first line's indentation and ends at the end of its last line.
 */
export function cutTask(file: SourceFile, kind: InfillKind, rng: Rng, options: TaskOptions = DEFAULT_TASK_OPTIONS): InfillTask | null {
  const lines = file.text.split('\n');
  const least = kind === 'single-line' ? 1 : 2;
  // The gap never takes the first or the last line, so there is always some prefix and suffix.
  const starts: number[] = [];
  for (let i = 1; i + least < lines.length; i++) if (isCandidate(lines[i]!)) starts.push(i);
  if (starts.length === 0) return null;
  const first = starts[rng.next() % starts.length]!;
  const span = kind === 'single-line' ? 1 : Math.min(2 + (rng.next() % (options.maxLines - 1)), lines.length - 1 - first);
  const before = lines.slice(0, first).join('\n') + '\n';
  const indent = /^\s*/.exec(lines[first]!)![0];
  const middle = [lines[first]!.slice(indent.length), ...lines.slice(first + 1, first + span)].join('\n');
  const after = '\n' + lines.slice(first + span).join('\n');
  return {
    id: `${file.package}/${file.path}:${first + 1}+${span}`,
    kind,
    package: file.package,
    path: file.path,
    prefix: (before + indent).slice(-options.prefixChars),
    middle,
    suffix: after.slice(0, options.suffixChars),
  };
}

/** Up to `perKind` tasks of each kind, one per file in a seeded order, from files with at least 8 lines. */
export function cutTasks(files: readonly SourceFile[], perKind: number, seed: number, options: TaskOptions = DEFAULT_TASK_OPTIONS): InfillTask[] {
  const rng = new Rng(seed, 7);
  const usable = files.filter((f) => f.text.split('\n').length >= 8);
  const order = usable.map((file, i) => ({ file, key: new Rng(seed, i + 1).next() })).sort((a, b) => a.key - b.key).map((x) => x.file);
  const tasks: InfillTask[] = [];
  for (const kind of ['single-line', 'multi-line'] as const) {
    let made = 0;
    for (const file of order) {
      if (made >= perKind) break;
      const task = cutTask(file, kind, rng, options);
      if (task) {
        tasks.push(task);
        made++;
      }
    }
  }
  return tasks;
}

/** Related files of the task's package as documents: the same folder first, then the rest, the task's file never. */
export function relatedFiles(task: InfillTask, files: readonly SourceFile[], count: number, maxChars: number): { name: string; text: string }[] {
  const folder = (path: string) => path.slice(0, path.lastIndexOf('/') + 1);
  return files
    .filter((f) => f.package === task.package && f.path !== task.path)
    .map((f) => ({ f, near: folder(f.path) === folder(task.path) ? 0 : 1 }))
    .sort((a, b) => a.near - b.near || a.f.path.localeCompare(b.f.path))
    .slice(0, count)
    .map(({ f }) => ({ name: f.path, text: f.text.slice(0, maxChars) }));
}

/**
 * A fixed, seeded choice of held-out files for a fast evaluation: packages in a seeded order, up to `perPackage`
 * files of at least 8 lines from each that has another file to give as a document, until `count` files.
 */
export function pickEvalFiles(files: readonly SourceFile[], count: number, seed: number, perPackage = 4): SourceFile[] {
  const byPackage = new Map<string, SourceFile[]>();
  for (const f of files) byPackage.set(f.package, [...(byPackage.get(f.package) ?? []), f]);
  const key = (s: string): number => new Rng(seed, [...s].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0, 0x811c9dc5)).next();
  const out: SourceFile[] = [];
  for (const pkg of [...byPackage.keys()].sort((a, b) => key(a) - key(b) || a.localeCompare(b))) {
    const all = byPackage.get(pkg)!;
    if (all.length < 2) continue;
    const usable = all.filter((f) => f.text.split('\n').length >= 8).sort((a, b) => key(a.path) - key(b.path) || a.path.localeCompare(b.path));
    out.push(...usable.slice(0, Math.min(perPackage, count - out.length)));
    if (out.length >= count) break;
  }
  return out;
}
