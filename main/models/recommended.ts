import type { RecommendedModel } from '../../app/completion/schemas';

/** Where the recommended models are downloaded from, unless `HF_ENDPOINT` names a mirror. */
export const HUGGING_FACE = 'https://huggingface.co';

/**
 * Base (not instruct) Qwen2.5-Coder models, trained for fill-in-the-middle, as ggml-org publishes them for
 * llama.cpp's own editor plugins. Q8_0: near-lossless, and fast on CPUs. Sizes are the Hugging Face file sizes
 * (the download reports the exact length); the checksum is the file's Git LFS SHA-256 where one was published.
 * `endpoint` is Hugging Face or a mirror of it: the files' paths are the same on both.
 */
export function recommendedModels(endpoint: string = HUGGING_FACE): RecommendedModel[] {
  return [
    {
      id: 'qwen2_5-coder-0_5b-q8_0',
      name: 'Qwen2.5-Coder 0.5B base (Q8_0)',
      url: `${endpoint}/ggml-org/Qwen2.5-Coder-0.5B-Q8_0-GGUF/resolve/main/qwen2.5-coder-0.5b-q8_0.gguf`,
      sizeBytes: 531_000_000,
      sha256: 'd0f8cd6c49bab52a0abdbe47948518b1f4d9b1a8a2a6825099cea31cea10ac56',
      note: 'Smallest and fastest: about 1 GB of memory in use, quick suggestions even on an older laptop CPU.',
    },
    {
      id: 'qwen2_5-coder-1_5b-q8_0',
      name: 'Qwen2.5-Coder 1.5B base (Q8_0)',
      url: `${endpoint}/ggml-org/Qwen2.5-Coder-1.5B-Q8_0-GGUF/resolve/main/qwen2.5-coder-1.5b-q8_0.gguf`,
      sizeBytes: 1_650_000_000,
      sha256: null,
      note: 'Better suggestions: about 2.5 GB of memory in use, roughly three times slower than 0.5B on a CPU; a GPU helps.',
    },
  ];
}


/**
 * The download endpoint from `HF_ENDPOINT`, as Hugging Face's own tools read it (a mirror, or a proxy inside a
 * company network): an http(s) URL, without its trailing slashes. Unset gives Hugging Face; anything else is
 * reported with `warn` and Hugging Face is used.
 */
export function downloadEndpoint(value: string | undefined, warn: (message: string) => void): string {
  if (value === undefined || value.trim() === '') return HUGGING_FACE;
  let url: URL | null = null;
  try {
    url = new URL(value.trim());
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    warn(`HF_ENDPOINT=${value} is not an http(s) URL; models are downloaded from ${HUGGING_FACE}.`);
    return HUGGING_FACE;
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}
