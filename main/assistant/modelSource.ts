import type { AssistantSettings, ModelInfo } from '../../app/completion/schemas';

/** What the assistant needs of the model manager (main/models/ModelManager): the active model, the settings, and word when either changes. */
export interface ModelSource {
  activeModel(): ModelInfo | null;
  onActiveModelChanged(listener: (model: ModelInfo | null) => void): () => void;
  settings(): AssistantSettings;
  onSettingsChanged(listener: (settings: AssistantSettings) => void): () => void;
}
