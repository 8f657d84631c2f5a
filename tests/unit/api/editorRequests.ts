/**
 * The fields llama.vscode sends with every `/infill` request besides the text at the cursor (shapes read from its
 * source; llama.vim's are the same plus its own): shared by the API's unit test, its model test and the benchmark.
 */
export const LLAMA_VSCODE_SAMPLING = {
  top_k: 40,
  top_p: 0.99,
  stream: false,
  samplers: ['top_k', 'top_p', 'infill'],
  cache_prompt: true,
  t_max_prompt_ms: 500,
  t_max_predict_ms: 1000,
};
