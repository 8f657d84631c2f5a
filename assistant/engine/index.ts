// The completion engine of issue 3: `createCompletionEngine` and its types.
export { createCompletionEngine, modelIdentity } from './engine';
// The cut and the numerics other layers reuse (the remote engine's answers, training's evaluation).
export { argmax, boundaryCut, logSumExp } from './sampling';
// The prompt layout, so that training's samples and evaluation build exactly the engine's prompts.
export { detectFormat, documentTokens, healsByDefault, queryPrompt, queryTokens, sharedPrefixTokens, type PromptFormat, type VocabReader } from './format';
// Token healing, so that the evaluation's batched answers and training's rows heal as the engine does.
export { HealingConstraint, healTail, TokenPieceIndex, type PieceSource } from './healing';
export * from './types';
// Smaller copies of models (quantization), for the CLI and the Models dialog.
export * from '../compress';
