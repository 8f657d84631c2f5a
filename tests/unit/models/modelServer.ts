import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ModelServerOptions {
  /** The file's bytes. */
  body: Buffer;
  /** Answer every request with this status and no file. */
  status?: number;
  /** On the first request, send this many bytes, then hold the connection open (a download stuck midway, for pausing). */
  stallAfter?: number;
  /** On the first request, send this many bytes, then drop the connection. */
  dropAfter?: number;
  /** Answer a Range request with only this many bytes (a correct but short Content-Range). */
  shortRange?: number;
  /** Answer a Range request from this many bytes off the asked start (a broken server). */
  shiftRange?: number;
  /** Send the file in 16 KiB pieces this many milliseconds apart (a slow connection). */
  dripMs?: number;
  /** Ignore Range headers and always send the whole file (as some servers do). */
  ignoreRange?: boolean;
}

export interface ModelServer {
  url: string;
  /** The Range header of each request, or null. */
  ranges: (string | null)[];
  /** The path of each request. */
  paths: string[];
  close(): Promise<void>;
}

const CHUNK = 64 * 1024;

async function drip(response: ServerResponse, bytes: Buffer, ms: number): Promise<void> {
  for (let at = 0; at < bytes.length && !response.destroyed; at += 16 * 1024) {
    response.write(bytes.subarray(at, at + 16 * 1024));
    await new Promise((resolve) => setTimeout(resolve, ms));
  }
  response.end();
}

/** A local HTTP server for one model file, with Range support, on 127.0.0.1. */
export async function startModelServer(options: ModelServerOptions): Promise<ModelServer> {
  const ranges: (string | null)[] = [];
  const paths: string[] = [];
  const held = new Set<ServerResponse>();

  const server = createServer((request, response) => {
    ranges.push(request.headers.range ?? null);
    paths.push(request.url ?? '');
    if (options.status) {
      response.writeHead(options.status, { 'Content-Type': 'text/plain' }).end('no such model');
      return;
    }
    const { body } = options;
    const range = options.ignoreRange ? null : /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
    const start = range ? Number(range[1]) + (options.shiftRange ?? 0) : 0;
    if (start >= body.length && range) {
      response.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
      return;
    }
    const stop = range && options.shortRange !== undefined ? start + options.shortRange : body.length;
    response.writeHead(range ? 206 : 200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(stop - start),
      'Accept-Ranges': 'bytes',
      ...(range ? { 'Content-Range': `bytes ${start}-${stop - 1}/${body.length}` } : {}),
    });
    const first = ranges.length === 1;
    const end = first ? (options.stallAfter ?? options.dropAfter ?? body.length) : stop;
    if (options.dripMs !== undefined) {
      void drip(response, body.subarray(start), options.dripMs);
      return;
    }
    for (let at = start; at < end; at += CHUNK) response.write(body.subarray(at, Math.min(at + CHUNK, end)));
    if (end === stop) response.end();
    // Late enough that the bytes sent so far reach the client first.
    else if (first && options.dropAfter !== undefined) setTimeout(() => response.destroy(), 50);
    else held.add(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/model.gguf`,
    ranges,
    paths,
    close: async () => {
      for (const response of held) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
