/** What the editor needs of a Monaco language registration to pick one for a file. */
export interface LanguageInfo {
  id: string;
  extensions?: string[];
  filenames?: string[];
}

/** Monaco's language for `path`: an exact file name (Dockerfile) first, then the longest matching extension (`.d.ts` over `.ts`). */
export function languageFor(path: string, languages: readonly LanguageInfo[]): string {
  const name = (path.split('/').at(-1) ?? path).toLowerCase();
  const byName = languages.find((language) => language.filenames?.some((f) => f.toLowerCase() === name));
  if (byName) return byName.id;
  let best: { id: string; length: number } | null = null;
  for (const language of languages) {
    for (const extension of language.extensions ?? []) {
      const ext = extension.toLowerCase();
      if (name.endsWith(ext) && name.length > ext.length && ext.length > (best?.length ?? 0)) best = { id: language.id, length: ext.length };
    }
  }
  return best?.id ?? 'plaintext';
}
