// Tree-sitter grammars (WASM: no native code in Electron), loaded once per process from node_modules.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Language, Parser } from 'web-tree-sitter';

/** The languages the use-def analysis understands; any other file gives no edges. */
export const ANALYSIS_LANGUAGES = ['typescript', 'tsx', 'javascript', 'python'] as const;
export type AnalysisLanguage = (typeof ANALYSIS_LANGUAGES)[number];

const EXTENSIONS: Record<string, AnalysisLanguage> = {
  '.ts': 'typescript', '.mts': 'typescript', '.cts': 'typescript',
  '.tsx': 'tsx',
  // The JavaScript grammar parses JSX too.
  '.js': 'javascript', '.mjs': 'javascript', '.cjs': 'javascript', '.jsx': 'javascript',
  '.py': 'python', '.pyi': 'python',
};

/** The language of a file by its extension, or null (no analysis). */
export function languageOfFile(file: string): AnalysisLanguage | null {
  const dot = file.lastIndexOf('.');
  return dot < 0 ? null : (EXTENSIONS[file.slice(dot).toLowerCase()] ?? null);
}

const WASM_FILES: Record<AnalysisLanguage, [pkg: string, file: string]> = {
  typescript: ['tree-sitter-typescript', 'tree-sitter-typescript.wasm'],
  tsx: ['tree-sitter-typescript', 'tree-sitter-tsx.wasm'],
  javascript: ['tree-sitter-javascript', 'tree-sitter-javascript.wasm'],
  python: ['tree-sitter-python', 'tree-sitter-python.wasm'],
};

function packageFile(pkg: string, file: string): string {
  return join(dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`)), file);
}

export type Grammars = Record<AnalysisLanguage, Language>;

let loading: Promise<Grammars> | null = null;

/** Initialises web-tree-sitter and loads every grammar once; later calls share the same promise. */
export function loadGrammars(): Promise<Grammars> {
  loading ??= (async () => {
    // Resolved at run time from node_modules (when first needed), so the esbuild bundle (out/main, packages
    // external) finds the .wasm files as tsx does.
    const runtime = createRequire(import.meta.url).resolve('web-tree-sitter/web-tree-sitter.wasm');
    await Parser.init({ locateFile: () => runtime });
    const entries = await Promise.all(ANALYSIS_LANGUAGES.map(async (language) => {
      const [pkg, file] = WASM_FILES[language];
      return [language, await Language.load(packageFile(pkg, file))] as const;
    }));
    return Object.fromEntries(entries) as Grammars;
  })();
  loading.catch(() => { loading = null; });
  return loading;
}
