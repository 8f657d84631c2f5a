// `steerway usedef`: the use-def edges of a file, with attached documents that its imports may reach.
import fs from 'node:fs/promises';
import { UseDefAnalyzer, type UseDefEdge } from '../analysis';
import { CliUsageError } from './args';

export const USEDEF_USAGE = 'usage: steerway usedef <file> [--doc <file>]... [--json]';

export interface UsedefArgs {
  file: string;
  docs: string[];
  json: boolean;
}

export function parseUsedefArgs(argv: readonly string[]): UsedefArgs {
  let file: string | undefined;
  const docs: string[] = [];
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') json = true;
    else if (arg === '--doc' || arg.startsWith('--doc=')) {
      const value = arg === '--doc' ? argv[++i] : arg.slice('--doc='.length);
      if (value === undefined || value === '') throw new CliUsageError('--doc needs a file');
      docs.push(value);
    } else if (arg.startsWith('--')) throw new CliUsageError(`unknown argument ${arg}`);
    else if (file !== undefined) throw new CliUsageError(`one file at a time (got ${file} and ${arg})`);
    else file = arg;
  }
  if (file === undefined) throw new CliUsageError('the file is required');
  return { file, docs, json };
}

export interface UsedefIo {
  stdout: (text: string) => void;
  stderr: (line: string) => void;
}

const defaultIo: UsedefIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (line) => process.stderr.write(`${line}\n`),
};

/** The JSON the issue specifies: the use's place in the file (1-based line, 0-based column), the definition's file and place. */
export function edgeJson(edge: UseDefEdge): { name: string; use: { line: number; column: number }; def: { file: string; line: number; column: number } } {
  return { name: edge.name, use: { line: edge.use.line, column: edge.use.column }, def: { file: edge.def.file, line: edge.def.line, column: edge.def.column } };
}

/** Runs `usedef`; exit code 0 done (an unknown language or bad code gives no edges), 2 bad arguments, 1 a file that cannot be read. */
export async function runUsedef(argv: readonly string[], io: UsedefIo = defaultIo): Promise<number> {
  let args: UsedefArgs;
  try {
    args = parseUsedefArgs(argv);
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    io.stderr(`steerway usedef: ${error.message} (steerway usedef --help)`);
    return 2;
  }
  let texts: string[];
  try {
    texts = await Promise.all([args.file, ...args.docs].map((file) => fs.readFile(file, 'utf8')));
  } catch (error) {
    io.stderr(`steerway usedef: cannot read ${(error as NodeJS.ErrnoException).path ?? 'a file'}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    return 1;
  }
  const analyzer = await UseDefAnalyzer.create();
  try {
    const result = analyzer.analyze({ file: args.file, code: texts[0]! }, args.docs.map((file, i) => ({ file, text: texts[i + 1]! })));
    const edges = result.edges.filter((edge) => edge.use.file === args.file).map(edgeJson);
    if (args.json) io.stdout(`${JSON.stringify(edges, null, 2)}\n`);
    else for (const e of edges) io.stdout(`${e.name}\t${e.use.line}:${e.use.column}\t-> ${e.def.file}:${e.def.line}:${e.def.column}\n`);
    return 0;
  } finally {
    analyzer.dispose();
  }
}
