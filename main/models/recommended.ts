import type { RecommendedModel } from '../../app/completion/schemas';

/**
 * Base (not instruct) Qwen2.5-Coder models, trained for fill-in-the-middle, as ggml-org publishes them for
 * llama.cpp's own editor plugins. Q8_0: near-lossless, and fast on CPUs. Sizes are the Hugging Face file sizes
 * (the download reports the exact length); the checksum is the file's Git LFS SHA-256 where one was published.
 */
export const RECOMMENDED_MODELS: readonly RecommendedModel[] = [
  {
    id: 'qwen2_5-coder-0_5b-q8_0',
    name: 'Qwen2.5-Coder 0.5B base (Q8_0)',
    url: 'https://huggingface.co/ggml-org/Qwen2.5-Coder-0.5B-Q8_0-GGUF/resolve/main/qwen2.5-coder-0.5b-q8_0.gguf',
    sizeBytes: 531_000_000,
    sha256: 'd0f8cd6c49bab52a0abdbe47948518b1f4d9b1a8a2a6825099cea31cea10ac56',
    note: 'Smallest and fastest: about 1 GB of memory in use, quick suggestions even on an older laptop CPU.',
  },
  {
    id: 'qwen2_5-coder-1_5b-q8_0',
    name: 'Qwen2.5-Coder 1.5B base (Q8_0)',
    url: 'https://huggingface.co/ggml-org/Qwen2.5-Coder-1.5B-Q8_0-GGUF/resolve/main/qwen2.5-coder-1.5b-q8_0.gguf',
    sizeBytes: 1_650_000_000,
    sha256: null,
    note: 'Better suggestions: about 2.5 GB of memory in use, roughly three times slower than 0.5B on a CPU; a GPU helps.',
  },
];
