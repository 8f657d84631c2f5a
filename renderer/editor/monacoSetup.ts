import * as monaco from 'monaco-editor';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import CssWorker from 'monaco-editor/language/css/css.worker?worker';
import HtmlWorker from 'monaco-editor/language/html/html.worker?worker';
import JsonWorker from 'monaco-editor/language/json/json.worker?worker';
import TsWorker from 'monaco-editor/language/typescript/ts.worker?worker';
import { currentTheme, onThemeChange, type Theme } from '../app/layout/theme';

// Vite bundles each worker as its own module; Monaco asks by label. Every label must be answered here
// once getWorker exists, so anything not a language service gets the plain editor worker.
const WORKERS: Record<string, new () => Worker> = {
  typescript: TsWorker,
  javascript: TsWorker,
  json: JsonWorker,
  css: CssWorker,
  scss: CssWorker,
  less: CssWorker,
  html: HtmlWorker,
  handlebars: HtmlWorker,
  razor: HtmlWorker,
};

self.MonacoEnvironment = {
  getWorker: (_workerId: string, label: string) => new (WORKERS[label] ?? EditorWorker)(),
};

// Monaco's TypeScript sees only the open files: an import of any other module cannot resolve, and marking
// every import red would hide the real errors. JSX and modern syntax are on, as in a usual project.
for (const defaults of [monaco.typescript.typescriptDefaults, monaco.typescript.javascriptDefaults]) {
  defaults.setCompilerOptions({
    ...defaults.getCompilerOptions(),
    target: monaco.typescript.ScriptTarget.ESNext,
    module: monaco.typescript.ModuleKind.ESNext,
    moduleResolution: monaco.typescript.ModuleResolutionKind.NodeJs,
    jsx: monaco.typescript.JsxEmit.ReactJSX,
    allowNonTsExtensions: true,
    esModuleInterop: true,
  });
  defaults.setDiagnosticsOptions({
    ...defaults.getDiagnosticsOptions(),
    // 2307: cannot find module; 2792: cannot find module (with a moduleResolution hint).
    diagnosticCodesToIgnore: [2307, 2792],
  });
}

// Monaco's theme is global to the page: it follows the page's light or dark.
const MONACO_THEME: Record<Theme, string> = { light: 'vs', dark: 'vs-dark' };
monaco.editor.setTheme(MONACO_THEME[currentTheme()]);
onThemeChange((theme) => monaco.editor.setTheme(MONACO_THEME[theme]));

export { monaco };
