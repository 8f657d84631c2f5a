import { z } from 'zod';

/** llama.vscode's and llama.vim's default endpoint port, so an editor finds Steerway's server without settings. */
export const DEFAULT_SERVE_PORT = 8012;

/** The app's switch for serving its model to editors (llama.cpp `/infill`, OpenAI `/v1/completions`) on 127.0.0.1. */
export const ServeApiSettings = z.object({
  enabled: z.boolean(),
  port: z.number().int().min(1).max(65_535),
});
export type ServeApiSettings = z.infer<typeof ServeApiSettings>;

export const DEFAULT_SERVE_API: ServeApiSettings = { enabled: false, port: DEFAULT_SERVE_PORT };

/** What the settings dialog shows: where editors reach the server and the token they send. */
export const ServeApiStatus = z.object({
  state: z.enum(['off', 'on', 'error']),
  url: z.string().nullable(),
  token: z.string().nullable(),
  /** Why it is not serving (the port is taken, ...). */
  message: z.string().nullable(),
});
export type ServeApiStatus = z.infer<typeof ServeApiStatus>;
