// Use-def analysis and exact attention patterns (issue 13 items 1 and 2); runs in the engine host.
export { ANALYSIS_LANGUAGES, languageOfFile, type AnalysisLanguage } from './grammars';
export { MAX_ANALYSIS_CHARS, UseDefAnalyzer, type AnalysisDocument, type CursorCode, type SourceRange, type UseDefEdge, type UseDefResult } from './useDef';
export { charOfByte, mapToPrompt, tokenAt, type PromptAnalysis, type PromptSpan, type TokenEdge, type TokenRange } from './promptMap';
export { PATTERN_NAMES, PATTERNS, bracketPattern, inductionPattern, previousTokenPattern, sinkPattern, useDefPattern, type PatternName, type SparseRow } from './patterns';
