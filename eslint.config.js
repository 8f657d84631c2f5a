// Layering rule, as VS Code's "code-layering": renderer -> app <- main -> assistant -> native. The arrows, and the
// packages each folder may use, are in scripts/eslint/layering.js; tests/unit/layering.test.ts proves each one.
import tseslint from 'typescript-eslint';
import layering from './scripts/eslint/layering.js';

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'build/**', 'dist/**', '.steerway-tmp/**', 'native/build/**', 'native/deps/**', 'test-results/**', 'results/**', '.device-carry/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.js', '**/*.mjs', '**/*.cjs'],
    plugins: { layering },
    rules: { 'layering/arrows': 'error' },
  },
);
