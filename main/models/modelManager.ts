import * as fs from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import {
  AssistantSettings, DEFAULT_ASSISTANT_SETTINGS, ModelInfo,
  type AssistantSettingsChange, type CompressType, type AssistantSettingsView, type DownloadState, type EngineChoice, type ModelCatalog, type RecommendedModel,
} from '../../app/completion/schemas';
import { newId } from '../../app/ids';
import { Emitter } from '../../base/common/event';
import { mkdirDurable, writeFileAtomic } from '../storage/atomicFile';
import { UserFacingError, type EventSink, type HandlersOf } from '../transport/dispatcher';
import { GgufFormatError, readGgufHeader } from '../../assistant/gguf/header';
import { compressModel, CompressError, defaultOutputPath, type CompressOptions } from '../../assistant/compress';
import { ModelDownload } from './modelDownload';
import { downloadEndpoint, recommendedModels } from './recommended';

/** The `--model` file is listed under this id for the run; it is never saved. */
export const COMMAND_LINE_MODEL_ID = 'command-line';

/** The model shipped with the app (`models/` of the repository or the package): the one used when none is chosen. */
export const BUNDLED_MODEL_ID = 'bundled';

/** The shipped model's file, relative to the repository root or the packaged app's resources folder. */
export const BUNDLED_MODEL_FILE = 'models/steerway-coder.gguf';

const Registry = z.object({
  version: z.literal(1),
  /** Models the user added or downloaded (never the `--model` one). */
  models: z.array(ModelInfo),
  selectedId: z.string().nullable(),
});
type Registry = z.infer<typeof Registry>;

const EMPTY_REGISTRY: Registry = { version: 1, models: [], selectedId: null };

type ModelCalls =
  | 'models.list' | 'models.addLocal' | 'models.select' | 'models.remove' | 'models.compress'
  | 'models.download' | 'models.pause' | 'models.resume' | 'models.cancel'
  | 'settings.get' | 'settings.update';

export interface ModelManagerOptions {
  userDataDir: string;
  commandLineModel: string | null;
  /** The shipped model file, or null to run without it (`--no-default-model`). */
  bundledModel: string | null;
  emit: EventSink;
  /** The models offered for download; tests pass local URLs. Default: from Hugging Face, or the mirror `hfEndpoint` names. */
  recommended?: readonly RecommendedModel[];
  /** `HF_ENDPOINT` as the user set it (a Hugging Face mirror), or undefined. */
  hfEndpoint?: string;
  /** Where a corrupt registry or settings file is reported. */
  warn?: (message: string) => void;
  /** How "Make a smaller copy" loads the addon (tests pin a CPU backend). */
  compressAddon?: Pick<CompressOptions, 'addonOptions'>;
}

/** The settings as the renderer may see them: a remote engine's token only as whether it is set. */
export function settingsView(settings: AssistantSettings): AssistantSettingsView {
  if (settings.engine.kind === 'local') return { ...settings, engine: { kind: 'local' } };
  const { token, ...engine } = settings.engine;
  return { ...settings, engine: { ...engine, tokenSet: token !== null } };
}

/**
 * The engine a change asks for. An absent token keeps the stored one only for the same server origin: a token
 * is never carried to a server it was not set for.
 */
export function changedEngine(current: EngineChoice, change: NonNullable<AssistantSettingsChange['engine']>): EngineChoice {
  if (change.kind === 'local') return { kind: 'local' };
  if (change.token !== undefined) return { ...change, token: change.token };
  const kept = current.kind !== 'local' && new URL(current.url).origin === new URL(change.url).origin ? current.token : null;
  return { ...change, token: kept };
}

/** `~/x` as the shell would expand it, then absolute. */
function absolutePath(path: string): string {
  return resolve(path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path);
}

/** A JSON file checked by `schema`; missing → `fallback`, unreadable or invalid → `fallback` and a warning. */
async function readJsonFile<T>(path: string, schema: z.ZodType<T>, fallback: T, warn: (message: string) => void): Promise<T> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') warn(`Cannot read ${path} (${(error as Error).message}); using defaults.`);
    return fallback;
  }
  let problem: string;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    problem = issue ? `${issue.path.join('.') || 'file'}: ${issue.message}` : 'invalid';
  } catch (error) {
    problem = (error as Error).message;
  }
  warn(`${path} is corrupt (${problem}); using defaults.`);
  return fallback;
}

/**
 * The models the assistant can use and its settings: a registry of installed models (`models.json`), the
 * chosen one, downloads of recommended models into `<userData>/models/`, and `settings.json`. A `--model` file
 * is the active model for the run, without touching the saved choice, until the user picks another one.
 */
export class ModelManager {
  private readonly downloads = new Map<string, ModelDownload>();
  private readonly activeModelChanged = new Emitter<ModelInfo | null>();
  private readonly settingsChanged = new Emitter<AssistantSettings>();
  private saving: Promise<unknown> = Promise.resolve();
  /** True while the `--model` file is the active one. */
  private usingCommandLine: boolean;
  readonly handlers: HandlersOf<ModelCalls>;

  private constructor(
    private readonly options: ModelManagerOptions,
    private readonly recommended: readonly RecommendedModel[],
    private registry: Registry,
    private currentSettings: AssistantSettings,
    private readonly commandLine: ModelInfo | null,
    private readonly bundled: ModelInfo | null,
  ) {
    this.usingCommandLine = commandLine !== null;
    this.handlers = {
      'models.list': async () => this.catalog(),
      'models.addLocal': ({ path }) => this.addLocal(path),
      'models.select': ({ id }) => this.select(id),
      'models.remove': ({ id }) => this.remove(id),
      'models.compress': ({ id, type }) => this.compress(id, type),
      'models.download': ({ recommendedId }) => this.download(recommendedId),
      'models.pause': async ({ id }) => this.downloadOf(id).pause(),
      'models.resume': async ({ id }) => this.downloadOf(id).start(),
      'models.cancel': async ({ id }) => this.downloadOf(id).cancel(),
      'settings.get': async () => settingsView(this.settings()),
      'settings.update': (change) => this.updateSettings(change),
    };
  }

  static async create(options: ModelManagerOptions): Promise<ModelManager> {
    const warn = options.warn ?? ((message: string) => console.warn(message));
    const registry = await readJsonFile(join(options.userDataDir, 'models.json'), Registry, EMPTY_REGISTRY, warn);
    const stored = await readJsonFile(join(options.userDataDir, 'settings.json'), AssistantSettings.partial(), {}, warn);
    const commandLine = options.commandLineModel === null ? null : await ModelManager.commandLineModel(options.commandLineModel, warn);
    const bundled = options.bundledModel === null ? null : await ModelManager.bundledModel(options.bundledModel, warn);
    const manager = new ModelManager(
      options, options.recommended ?? recommendedModels(downloadEndpoint(options.hfEndpoint, warn)), registry, { ...DEFAULT_ASSISTANT_SETTINGS, ...stored }, commandLine, bundled,
    );
    await manager.restorePartialDownloads();
    return manager;
  }

  /**
   * The `--model` file is used for the run even when it is broken: the journal must keep working, and the
   * assistant then reports the engine's own words on the file in the status bar. The problem is also printed.
   */
  private static async commandLineModel(path: string, warn: (message: string) => void): Promise<ModelInfo> {
    const absolute = absolutePath(path);
    const model = { id: COMMAND_LINE_MODEL_ID, name: basename(absolute), path: absolute, origin: 'command-line' as const };
    try {
      const header = await readGgufHeader(absolute);
      return { ...model, sizeBytes: header.sizeBytes };
    } catch (error) {
      if (!(error instanceof GgufFormatError)) throw error;
      warn(`--model ${absolute} is not a usable GGUF model: ${error.message}. The journal works; suggestions stay off until another model is chosen.`);
      return { ...model, sizeBytes: 0 };
    }
  }

  /**
   * The shipped model, when its file is there and its header reads well. A missing or broken one is reported
   * and left out: the app then asks for a model as on a first run.
   */
  private static async bundledModel(path: string, warn: (message: string) => void): Promise<ModelInfo | null> {
    try {
      const header = await readGgufHeader(path);
      return { id: BUNDLED_MODEL_ID, name: `${header.name ?? basename(path)} (shipped with Steerway)`, path, sizeBytes: header.sizeBytes, origin: 'bundled' };
    } catch (error) {
      if (!(error instanceof GgufFormatError)) throw error;
      warn(`The shipped model ${path} is missing or unusable (${error.message}); choose a model in the Models dialog.`);
      return null;
    }
  }

  /** The model the assistant should load now: `--model`, else the chosen one, else the shipped one, else null ('no-model'). */
  activeModel(): ModelInfo | null {
    if (this.usingCommandLine) return this.commandLine;
    const chosen = this.registry.models.find((model) => model.id === this.registry.selectedId);
    return chosen ?? this.bundled;
  }

  onActiveModelChanged(listener: (model: ModelInfo | null) => void): () => void {
    const subscription = this.activeModelChanged.event(listener);
    return () => subscription.dispose();
  }

  settings(): AssistantSettings {
    return { ...this.currentSettings };
  }

  onSettingsChanged(listener: (settings: AssistantSettings) => void): () => void {
    const subscription = this.settingsChanged.event(listener);
    return () => subscription.dispose();
  }

  /** Pauses running downloads (their partial files stay for the next run) and waits for pending saves. */
  async dispose(): Promise<void> {
    await Promise.all([...this.downloads.values()].map((download) => download.pause()));
    await this.saving.catch(() => undefined);
  }

  private catalog(): ModelCatalog {
    return {
      installed: [...(this.commandLine ? [this.commandLine] : []), ...(this.bundled ? [this.bundled] : []), ...this.registry.models],
      selectedId: this.activeModel()?.id ?? null,
      recommended: [...this.recommended],
      downloads: [...this.downloads.values()]
        .map((download) => download.state())
        .filter((state) => state.state !== 'done' && state.state !== 'cancelled'),
    };
  }

  private async addLocal(path: string): Promise<ModelCatalog> {
    const absolute = absolutePath(path);
    let sizeBytes: number;
    try {
      sizeBytes = (await readGgufHeader(absolute)).sizeBytes;
    } catch (error) {
      if (error instanceof GgufFormatError) throw new UserFacingError('bad-model-file', `${absolute} is not a usable GGUF model: ${error.message}.`);
      throw error;
    }
    if (!this.registry.models.some((model) => model.path === absolute)) {
      await this.register({ id: newId(), name: basename(absolute), path: absolute, sizeBytes, origin: 'local' });
    }
    return this.catalog();
  }

  private async select(id: string): Promise<ModelCatalog> {
    if (id === COMMAND_LINE_MODEL_ID && this.commandLine) {
      this.changeActive(() => (this.usingCommandLine = true));
      return this.catalog();
    }
    if (id === BUNDLED_MODEL_ID && this.bundled) {
      // Choosing it explicitly is saved as no choice: the shipped model is what "none chosen" means.
      this.changeActive(() => {
        this.usingCommandLine = false;
        this.registry = { ...this.registry, selectedId: null };
      });
      await this.saveRegistry();
      return this.catalog();
    }
    if (!this.registry.models.some((model) => model.id === id)) throw new UserFacingError('not-found', `No installed model has the id ${id}.`);
    this.changeActive(() => {
      this.usingCommandLine = false;
      this.registry = { ...this.registry, selectedId: id };
    });
    await this.saveRegistry();
    return this.catalog();
  }

  private async remove(id: string): Promise<ModelCatalog> {
    if (id === COMMAND_LINE_MODEL_ID && this.commandLine) {
      throw new UserFacingError('command-line-model', `${this.commandLine.path} was given with --model for this run; start without --model to stop using it.`);
    }
    if (id === BUNDLED_MODEL_ID && this.bundled) {
      throw new UserFacingError('bundled-model', 'The model shipped with Steerway cannot be removed; choose another model to stop using it.');
    }
    const model = this.registry.models.find((m) => m.id === id);
    if (!model) throw new UserFacingError('not-found', `No installed model has the id ${id}.`);
    // A downloaded file or a copy made here is ours to delete; a file the user added stays where it is.
    if (model.origin === 'downloaded' || model.origin === 'compressed') await fs.rm(model.path, { force: true });
    this.changeActive(() => {
      const models = this.registry.models.filter((m) => m.id !== id);
      const selectedId = this.registry.selectedId === id ? (models[0]?.id ?? null) : this.registry.selectedId;
      this.registry = { ...this.registry, models, selectedId };
    });
    await this.saveRegistry();
    return this.catalog();
  }

  /**
   * A quantized copy of an installed model in the app's models folder, listed without changing the selection. The
   * addon quantizes on a worker thread, so main's event loop keeps serving while it runs.
   */
  private async compress(id: string, type: CompressType): Promise<ModelCatalog> {
    const model = this.catalog().installed.find((m) => m.id === id);
    if (!model) throw new UserFacingError('not-found', `No installed model has the id ${id}.`);
    await mkdirDurable(this.modelsDir());
    const output = defaultOutputPath(join(this.modelsDir(), basename(model.path)), type);
    let bytesAfter: number;
    try {
      ({ bytesAfter } = await compressModel({ input: model.path, type, output, ...this.options.compressAddon }));
    } catch (error) {
      if (error instanceof CompressError) {
        throw new UserFacingError('compress-failed', `No smaller copy of ${model.name} was made: ${(error as Error).message}`);
      }
      throw error;
    }
    this.registry = { ...this.registry, models: [...this.registry.models, { id: newId(), name: basename(output), path: output, sizeBytes: bytesAfter, origin: 'compressed' }] };
    await this.saveRegistry();
    return this.catalog();
  }

  private async download(recommendedId: string): Promise<DownloadState> {
    const recommended = this.recommended.find((model) => model.id === recommendedId);
    if (!recommended) throw new UserFacingError('not-found', `No recommended model has the id ${recommendedId}.`);
    if (this.registry.models.some((model) => model.id === recommendedId)) {
      throw new UserFacingError('already-installed', `${recommended.name} is already installed.`);
    }
    const existing = this.downloads.get(recommendedId);
    if (existing && existing.state().state !== 'cancelled' && existing.state().state !== 'done') return existing.start();
    await mkdirDurable(this.modelsDir());
    const download = this.newDownload(recommended);
    this.downloads.set(recommendedId, download);
    return download.start();
  }

  private downloadOf(id: string): ModelDownload {
    const download = this.downloads.get(id);
    if (!download) throw new UserFacingError('not-found', `No download of ${id} is in progress.`);
    return download;
  }

  private modelsDir(): string {
    return join(this.options.userDataDir, 'models');
  }

  private newDownload(recommended: RecommendedModel): ModelDownload {
    return new ModelDownload(this.downloadTarget(recommended), this.downloadCallbacks(recommended));
  }

  private downloadTarget(recommended: RecommendedModel) {
    const finalPath = join(this.modelsDir(), `${recommended.id}.gguf`);
    return { id: recommended.id, name: recommended.name, url: recommended.url, sha256: recommended.sha256, partPath: `${finalPath}.part`, finalPath };
  }

  private downloadCallbacks(recommended: RecommendedModel) {
    return {
      report: (state: DownloadState) => this.options.emit('models.download', state),
      complete: async (path: string) => {
        const { size } = await fs.stat(path);
        await this.register({ id: recommended.id, name: recommended.name, path, sizeBytes: size, origin: 'downloaded' });
      },
    };
  }

  /** Partial files of an earlier run show up as paused downloads. */
  private async restorePartialDownloads(): Promise<void> {
    for (const recommended of this.recommended) {
      if (this.registry.models.some((model) => model.id === recommended.id)) continue;
      const download = await ModelDownload.restore(this.downloadTarget(recommended), this.downloadCallbacks(recommended));
      if (download) this.downloads.set(recommended.id, download);
    }
  }

  /** Adds (or replaces, by id) an installed model; the first one becomes the chosen one. */
  private async register(model: ModelInfo): Promise<void> {
    this.changeActive(() => {
      const models = [...this.registry.models.filter((m) => m.id !== model.id), model];
      this.registry = { ...this.registry, models, selectedId: this.registry.selectedId ?? model.id };
    });
    await this.saveRegistry();
  }

  private async updateSettings(change: AssistantSettingsChange): Promise<AssistantSettingsView> {
    const engine = change.engine ? changedEngine(this.currentSettings.engine, change.engine) : this.currentSettings.engine;
    const next = AssistantSettings.parse({ ...this.currentSettings, ...change, engine });
    const changed = JSON.stringify(next) !== JSON.stringify(this.currentSettings);
    this.currentSettings = next;
    await this.save('settings.json', next);
    if (changed) this.settingsChanged.fire(this.settings());
    return settingsView(this.settings());
  }

  /** Runs `mutate` and tells listeners when the active model is a different one afterwards. */
  private changeActive(mutate: () => void): void {
    const before = this.activeModel();
    mutate();
    const after = this.activeModel();
    if (before?.id !== after?.id || before?.path !== after?.path) this.activeModelChanged.fire(after);
  }

  private saveRegistry(): Promise<void> {
    return this.save('models.json', this.registry);
  }

  /**
   * Saves one after another, so an older snapshot never lands after a newer one. Owner-only (0600): settings.json
   * may hold a remote engine's token, and each save replaces the file, so an older, wider mode does not stay.
   */
  private save(name: string, value: unknown): Promise<void> {
    const write = this.saving.catch(() => undefined).then(async () => {
      await mkdirDurable(this.options.userDataDir);
      await writeFileAtomic(join(this.options.userDataDir, name), `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
    });
    this.saving = write;
    return write;
  }
}
