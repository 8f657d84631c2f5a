// Layering rule, as VS Code's "code-layering": renderer -> app <- main -> assistant -> native.
// Each runtime folder lists the folders (and Node/Electron modules) it may import from.
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'http', 'net', 'url', 'worker_threads', 'stream', 'events', 'util'];

/** Patterns that a folder must not import, keyed by folder. */
const forbidden = {
  app: ['**/main/**', '**/renderer/**', '**/assistant/**', '**/native/**', '**/training/**', 'electron', 'node-pty', 'ws', 'react', 'react-dom', ...nodeBuiltins],
  renderer: ['**/main/**', '**/assistant/**', '**/native/**', '**/training/**', 'electron', 'node-pty', 'ws', 'node-llama-cpp', ...nodeBuiltins],
  assistant: ['**/main/**', '**/renderer/**', '**/training/**', 'electron', 'react', 'react-dom'],
  main: ['**/renderer/**', '**/training/**'],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'build/**', 'dist/**', '.steerway-tmp/**', 'native/build/**', 'native/deps/**', 'test-results/**', 'results/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...Object.entries(forbidden).map(([folder, patterns]) => ({
    files: [`${folder}/**/*.ts`, `${folder}/**/*.tsx`],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: patterns, message: `Layering: ${folder}/ may not import this (renderer -> app <- main -> assistant -> native).` }],
      }],
    },
  })),
);
