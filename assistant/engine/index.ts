// The completion engine of issue 3: `createCompletionEngine` and its types.
export { createCompletionEngine } from './engine';
// The cut and the numerics other layers reuse (the remote engine's answers, training's evaluation).
export { argmax, boundaryCut, logSumExp } from './sampling';
export * from './types';
