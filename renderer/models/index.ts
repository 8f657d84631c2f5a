// The model manager's face: the panel (the status bar opens it), the settings form, the first-run prompt.
export { ModelManagerPanel } from './ModelManagerPanel';
export { AssistantSettingsForm } from './AssistantSettingsForm';
export { ModelSetupPrompt } from './ModelSetupPrompt';
