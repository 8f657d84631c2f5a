import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Reply, ServerFrame } from '../../app/ipc/api';
import type { EventName, EventPayload } from '../../app/ipc/contract';
import { MAX_FRAME_BYTES } from '../../app/ipc/limits';
import type { Dispatch } from '../transport/dispatcher';
import { cookieValues, hostAllowed as hostNamesServer, newToken, originAllowed, sameSecret, tokenCookieName } from './loopbackGuard';

/**
 * Browser mode: the renderer's files over HTTP and the contract over a WebSocket, on loopback only.
 * Defences against other local processes and DNS rebinding (see ../shared/notes/anchors.md):
 * a per-run token compared in constant time on every request, an allow-list of Host values (empty rejected),
 * Origin must be this server, bounded frame sizes (app/ipc/limits.ts: every request the contract accepts for one big
 * text fits). No frame or call can end the process: a protocol error closes only its socket, every dispatch ends in a reply.
 */

/**
 * The token reaches the browser once, in the printed URL: that load sets it as an HttpOnly, SameSite=Strict cookie
 * (named for the port) and redirects to the bare URL, so reloads, new tabs and bookmarks of `http://127.0.0.1:PORT/`
 * carry it without the page's script ever seeing it. A request with neither gets this.
 */
export const NO_ACCESS_TOKEN = 'No access token: open the URL that `npm start` printed (it carries this run\'s token).\n';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

export interface WebServerOptions {
  /** Folder of the built renderer (index.html and assets). */
  staticRoot: string;
  dispatch: Dispatch;
  port?: number;
  /** Fixed token for tests; a random one otherwise. */
  token?: string;
  log?: (message: string) => void;
}

export interface RunningWebServer {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  broadcast<E extends EventName>(event: E, payload: EventPayload<E>): void;
  close(): Promise<void>;
}

/** For the log: even a value whose toString throws (`{"toString": 1}`) says something. */
function describe(value: unknown): string {
  try {
    return String(value);
  } catch {
    return `something that cannot be shown (${typeof value})`;
  }
}

function parsedUrl(raw: string | undefined): URL | null {
  try {
    return new URL(raw ?? '/', 'http://localhost');
  } catch {
    return null;
  }
}

/** The request's path, percent-decoded; null when the URL or its encoding is malformed (`/%zz`). */
function decodedPath(raw: string | undefined): string | null {
  const url = parsedUrl(raw);
  if (!url) return null;
  try {
    return decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
}

export async function startWebServer(options: WebServerOptions): Promise<RunningWebServer> {
  const token = options.token ?? newToken();
  const log = options.log ?? (() => undefined);
  const sockets = new Set<WebSocket>();
  // Every TCP connection, so that closing ends them all: Node's close waits for connections that never sent a
  // request (Chromium opens spare ones ahead of need) or sent half of one, up to its 60 s headers timeout.
  const connections = new Set<Socket>();
  let closing = false;
  let port = 0;

  const hostAllowed = (request: IncomingMessage) => hostNamesServer(request, port);
  const tokenInCookie = (request: IncomingMessage) =>
    cookieValues(request.headers.cookie, tokenCookieName(port)).some((value) => sameSecret(value, token));

  const server: Server = createServer((request, response) => {
    void serveStatic(request, response).catch((error: unknown) => {
      log(`static: ${describe(error)}`);
      if (!response.headersSent) response.writeHead(500).end();
    });
  });

  async function serveStatic(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!hostAllowed(request)) return void response.writeHead(421, { 'content-type': 'text/plain' }).end('Unknown host\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') return void response.writeHead(405).end();
    const url = parsedUrl(request.url);
    const pathname = decodedPath(request.url);
    if (url === null || pathname === null) return void response.writeHead(400, { 'content-type': 'text/plain' }).end('Bad request\n');
    if (sameSecret(url.searchParams.get('token'), token)) {
      url.searchParams.delete('token');
      return void response.writeHead(303, {
        location: url.pathname + url.search,
        'set-cookie': `${tokenCookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
      }).end();
    }
    if (!tokenInCookie(request)) {
      return void response.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }).end(NO_ACCESS_TOKEN);
    }
    const relative = normalize(pathname === '/' ? 'index.html' : pathname.slice(1));
    const file = join(options.staticRoot, relative);
    if (relative.startsWith('..') || !file.startsWith(options.staticRoot + sep)) return void response.writeHead(404).end();
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) return void response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': info.size,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
    if (request.method === 'HEAD') return void response.end();
    createReadStream(file).pipe(response);
  }

  server.on('connection', (socket) => {
    if (closing) return void socket.destroy();
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  server.on('upgrade', (request, socket, head) => {
    // Node hands over an upgrading socket without its error listener: a reset during a refusal would be unhandled.
    const onSocketError = (error: Error) => log(`websocket handshake: ${error.message}`);
    socket.on('error', onSocketError);
    const refuse = (status: number, why: string) => {
      log(`websocket refused: ${why}`);
      socket.end(`HTTP/1.1 ${status} ${why}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = parsedUrl(request.url);
    if (url?.pathname !== '/api') return refuse(404, 'Not Found');
    if (!hostAllowed(request)) return refuse(421, 'Misdirected Request');
    if (!originAllowed(request.headers.origin, port)) return refuse(403, 'Forbidden');
    if (!sameSecret(url.searchParams.get('token'), token) && !tokenInCookie(request)) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(request, socket, head, (ws) => {
      socket.off('error', onSocketError);
      attach(ws);
    });
  });

  /** Sends a frame; a reply that cannot be serialized (a BigInt, a cycle) goes as an internal error instead. */
  function send(ws: WebSocket, frame: ServerFrame): void {
    if (ws.readyState !== ws.OPEN) return;
    let text: string;
    try {
      text = JSON.stringify(frame);
    } catch (error) {
      log(`unserializable frame: ${describe(error)}`);
      if (!('id' in frame)) return;
      text = JSON.stringify({ id: frame.id, reply: { ok: false, error: { code: 'internal', message: 'The reply could not be sent.' } } });
    }
    ws.send(text);
  }

  function attach(ws: WebSocket): void {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    // A protocol error (a frame over MAX_FRAME_BYTES, invalid UTF-8, a bad opcode) arrives here; ws closes the socket itself.
    ws.on('error', (error) => log(`websocket closed on a bad frame: ${error.message}`));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.close(1003, 'frames are JSON text');
      let frame: unknown;
      try {
        frame = JSON.parse(String(data));
      } catch {
        return ws.close(1003, 'frames are JSON');
      }
      if (typeof frame !== 'object' || frame === null || !('id' in frame) || !Number.isSafeInteger(frame.id)) {
        return ws.close(1003, 'frames need an integer id');
      }
      const id = frame.id as number;
      const { call, input } = frame as { call?: unknown; input?: unknown };
      options.dispatch(call, input)
        .catch((error: unknown): Reply => {
          log(`dispatch failed: ${describe(error)}`);
          return { ok: false, error: { code: 'internal', message: 'The call failed.' } };
        })
        .then((reply) => send(ws, { id, reply }))
        .catch((error: unknown) => log(`reply not sent: ${describe(error)}`));
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    broadcast(event, payload) {
      for (const ws of sockets) send(ws, { event, payload });
    },
    async close() {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      wss.close();
      for (const ws of sockets) ws.terminate();
      for (const socket of connections) socket.destroy();
      await closed;
    },
  };
}
