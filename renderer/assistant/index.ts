// The assistant's face in the editor: inline suggestions, the context inspector, the status bar.
export { installInlineSuggestions } from './monacoProvider';
export { ContextInspector } from './ContextInspector';
export { AssistantStatusBar } from './AssistantStatusBar';
export { assistantStore, useAssistant } from './assistantStore';
