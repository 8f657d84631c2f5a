import { Emitter } from '../../base/common/event';

/**
 * The editor's unsaved text of open files, by workspace-relative path. Documents read a file through
 * this first, so a suggestion sees what the user sees, not what is on disk.
 */
export class EditorBuffers {
  private readonly texts = new Map<string, string>();
  private readonly changed = new Emitter<string>();

  /** `null` forgets the buffer (the file was closed, or saved and is clean). */
  set(path: string, text: string | null): void {
    if (text === null ? !this.texts.has(path) : this.texts.get(path) === text) return;
    if (text === null) this.texts.delete(path);
    else this.texts.set(path, text);
    this.changed.fire(path);
  }

  get(path: string): string | null {
    return this.texts.get(path) ?? null;
  }

  onChange(listener: (path: string) => void): () => void {
    const subscription = this.changed.event(listener);
    return () => subscription.dispose();
  }
}
