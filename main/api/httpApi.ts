import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { z } from 'zod';
import type { CompleteCall, CompleteResult, EngineClientLike } from '../assistant/engineClient';
import { hostAllowed, newToken, originAllowed, sameSecret } from '../server/loopbackGuard';
import { ApiError, badRequest, engineFailure, errorBody } from './errors';
import { infillCall, InfillBody, infillChunk, infillResult } from './infill';
import { API_LIMITS } from './limits';
import { ApiMetrics } from './metrics';
import { completionsCall, CompletionsBody, completionsChunk, completionsResult, completionsStreamEnd, modelList, responseIdentity } from './openai';

/**
 * `steerway serve` and the app's "serve the model" switch: llama.cpp's `/infill` and OpenAI's `/v1/completions`
 * over the engine client, on 127.0.0.1 only. Every request must name this server in Host (DNS rebinding) and
 * carry no foreign Origin (a page of another site); all but `/health` need `Authorization: Bearer <token>`;
 * completions are JSON POSTs with a bounded body and bounded generation.
 */

export interface CompletionApiOptions {
  /** The engine the answers come from: the app's own client, or the one `steerway serve` starts. */
  engine: Pick<EngineClientLike, 'state' | 'complete' | 'cancel'>;
  /** The model's name in answers and `/v1/models` (its file name); null while none is loaded. */
  modelName: () => string | null;
  /** 0 picks a free port. */
  port: number;
  /** A random one when not given. */
  token?: string;
  log?: (message: string) => void;
}

export interface RunningCompletionApi {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly metrics: ApiMetrics;
  close(): Promise<void>;
}

interface CompletionRoute<Body> {
  schema: z.ZodType<Body, unknown>;
  call(body: Body): Omit<CompleteCall, 'id'>;
  stream(body: Body): boolean;
  /** Per response: what its pieces, its answer and its stream's end look like. */
  respond(body: Body, model: string): {
    result(result: CompleteResult): Record<string, unknown>;
    chunk(delta: string): Record<string, unknown>;
    streamEnd(result: CompleteResult): Record<string, unknown>[];
    /** OpenAI's streams end with `data: [DONE]`; llama.cpp's with the event that has `stop: true`. */
    doneMarker: boolean;
  };
}

const infillRoute: CompletionRoute<InfillBody> = {
  schema: InfillBody,
  call: infillCall,
  stream: (body) => body.stream,
  respond: (body, model) => ({
    result: (result) => infillResult(result, model, body),
    chunk: infillChunk,
    streamEnd: (result) => [infillResult(result, model, body)],
    doneMarker: false,
  }),
};

const completionsRoute: CompletionRoute<CompletionsBody> = {
  schema: CompletionsBody,
  call: completionsCall,
  stream: (body) => body.stream === true,
  respond: (body, model) => {
    const identity = responseIdentity(body.model ?? model);
    return {
      result: (result) => completionsResult(result, identity),
      chunk: (delta) => completionsChunk(delta, identity),
      streamEnd: (result) => completionsStreamEnd(result, identity, body),
      doneMarker: true,
    };
  },
};

type Handler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;
interface Route {
  method: 'GET' | 'POST';
  /** `/health` answers without the token (it says only whether a model is loaded), as llama-server's does. */
  public?: boolean;
  handle: Handler;
}

export async function startCompletionApi(options: CompletionApiOptions): Promise<RunningCompletionApi> {
  const token = options.token ?? newToken();
  const log = options.log ?? (() => undefined);
  const metrics = new ApiMetrics();
  let port = 0;
  let requestNo = 0;

  const sendJson = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...NO_SNIFF, ...headers });
    response.end(text);
  };
  const sendError = (response: ServerResponse, route: string, error: ApiError, headers: Record<string, string> = {}) => {
    metrics.request(route, error.status, error.type);
    if (response.headersSent) {
      // A stream already under way: the error is its last event.
      response.end(`data: ${JSON.stringify(errorBody(error))}\n\n`);
      return;
    }
    sendJson(response, error.status, errorBody(error), headers);
  };

  const modelOrUnavailable = (): string => {
    const state = options.engine.state();
    const model = options.modelName();
    if (state.state !== 'ready' || !model) throw new ApiError(503, 'unavailable_error', state.state === 'loading' || state.state === 'restarting' ? 'Loading model' : (state.message ?? 'No model is loaded.'));
    return model;
  };

  function completion<Body>(path: string, route: CompletionRoute<Body>): Handler {
    return async (request, response) => {
      const started = performance.now();
      const body = parse(route.schema, await readJson(request));
      const model = modelOrUnavailable();
      const id = `api:${++requestNo}:${randomBytes(4).toString('hex')}`;
      const respond = route.respond(body, model);
      const stream = route.stream(body);
      let finished = false;
      // A client that goes away cancels its completion, as llama.cpp does.
      response.on('close', () => {
        if (!finished) options.engine.cancel(id);
      });
      const onText = stream
        ? (delta: string) => {
            if (!response.headersSent) response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...NO_SNIFF });
            response.write(`data: ${JSON.stringify(respond.chunk(delta))}\n\n`);
          }
        : undefined;
      let result: CompleteResult;
      try {
        result = await options.engine.complete({ id, ...route.call(body) }, onText);
      } catch (error) {
        finished = true;
        const failure = engineFailure(error);
        if (failure) throw failure;
        // The client cancelled (went away): nobody is left to answer.
        metrics.request(path, 499, 'cancelled');
        response.destroy();
        return;
      }
      finished = true;
      const seconds = (performance.now() - started) / 1000;
      metrics.completion(path, result.report, seconds, result.cache);
      metrics.request(path, 200);
      if (!stream) {
        return sendJson(response, 200, respond.result(result), { 'server-timing': serverTiming(result) });
      }
      if (!response.headersSent) response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...NO_SNIFF });
      for (const event of respond.streamEnd(result)) response.write(`data: ${JSON.stringify(event)}\n\n`);
      response.end(respond.doneMarker ? 'data: [DONE]\n\n' : '');
    };
  }

  const routes: Record<string, Route> = {
    '/infill': { method: 'POST', handle: completion('/infill', infillRoute) },
    '/v1/completions': { method: 'POST', handle: completion('/v1/completions', completionsRoute) },
    '/v1/models': { method: 'GET', handle: async (_request, response) => sendJson(response, 200, modelList(options.engine.state().state === 'ready' ? options.modelName() : null)) },
    '/health': {
      method: 'GET',
      public: true,
      handle: async (_request, response) => {
        modelOrUnavailable();
        sendJson(response, 200, { status: 'ok' });
      },
    },
    '/metrics': {
      method: 'GET',
      handle: async (_request, response) => {
        const text = metrics.render();
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text), ...NO_SNIFF });
        response.end(text);
      },
    },
  };

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<string> {
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (!hostAllowed(request, port)) throw new ApiError(421, 'permission_error', 'Unknown host: this server answers only to 127.0.0.1 and localhost on its port.');
    // Editors and scripts send no Origin; a browser page does, and only this server's own would be allowed.
    if (request.headers.origin !== undefined && !originAllowed(request.headers.origin, port)) throw new ApiError(403, 'permission_error', 'Requests from web pages of other origins are refused.');
    const route = routes[pathname];
    if (!route) throw new ApiError(404, 'not_found_error', `No route ${pathname}.`);
    if (request.method !== route.method) throw new MethodError(route.method);
    if (!route.public && !sameSecret(bearer(request), token)) throw new ApiError(401, 'authentication_error', 'Invalid API Key');
    if (route.method === 'POST' && !/^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '')) {
      throw new ApiError(415, 'invalid_request_error', 'The body must be JSON (Content-Type: application/json).');
    }
    await route.handle(request, response);
    return pathname;
  }

  const server: Server = createServer((request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    const route = pathname in routes ? pathname : 'other';
    serve(request, response).catch((error: unknown) => {
      const failure = error instanceof ApiError ? error : engineFailure(error) ?? new ApiError(500, 'server_error', 'internal error');
      if (failure.status >= 500 && failure.status !== 503) log(`completion api: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      // A body not read to its end (refused before or while reading it) is dropped, and the connection with it.
      const unread = !request.complete;
      sendError(response, route, failure, { ...(error instanceof MethodError ? { allow: error.allow } : {}), ...(unread ? { connection: 'close' } : {}) });
      if (unread) request.resume();
    });
  });
  // Headers are small; a slow or stuck client is not waited on for long.
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    token,
    metrics,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const NO_SNIFF = { 'x-content-type-options': 'nosniff' };

class MethodError extends ApiError {
  constructor(readonly allow: string) {
    super(405, 'invalid_request_error', `Method not allowed; use ${allow}.`);
  }
}

function bearer(request: IncomingMessage): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match ? match[1]! : null;
}

/** The engine's time and the wait before it, for clients (and the benchmark) to subtract from their round trip. */
function serverTiming(result: CompleteResult): string {
  return `engine;dur=${result.report.totalMs.toFixed(3)}, queue;dur=${(result.queuedMs ?? 0).toFixed(3)}`;
}

function parse<Body>(schema: z.ZodType<Body, unknown>, json: unknown): Body {
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw badRequest(parsed.error);
  return parsed.data;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const tooLarge = () => new ApiError(413, 'invalid_request_error', `The request body is larger than ${API_LIMITS.maxBodyBytes} bytes.`);
  if (Number(request.headers['content-length'] ?? 0) > API_LIMITS.maxBodyBytes) throw tooLarge();
  const body = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped while the refusal goes out (with Connection: close).
      if (size > API_LIMITS.maxBodyBytes) {
        chunks.length = 0;
        reject(tooLarge());
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new ApiError(400, 'invalid_request_error', 'The body is not valid JSON.');
  }
}
