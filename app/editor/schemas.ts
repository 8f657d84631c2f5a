import { z } from 'zod';

/** A workspace-relative path with `/` separators; main resolves it and refuses anything outside the workspace. */
export const WorkspacePath = z.string().min(1).max(4096);

export const FileContent = z.object({
  path: WorkspacePath,
  text: z.string(),
  /** Modification time when read; a save passes it back to detect a change made outside the editor. */
  mtimeMs: z.number(),
  sizeBytes: z.number().int().nonnegative(),
});
export type FileContent = z.infer<typeof FileContent>;

export const TreeEntry = z.object({
  name: z.string(),
  path: WorkspacePath,
  kind: z.enum(['file', 'dir']),
});
export type TreeEntry = z.infer<typeof TreeEntry>;

/** An unsaved buffer kept for hot exit: its text and the file's mtime when the edits began (null: a file not on disk). */
export const EditorBackup = z.object({
  path: WorkspacePath,
  text: z.string(),
  baseMtimeMs: z.number().nullable(),
});
export type EditorBackup = z.infer<typeof EditorBackup>;
