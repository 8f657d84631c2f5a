// The completion engine of issue 3: `createCompletionEngine` and its types.
export { createCompletionEngine } from './engine';
export * from './types';
