import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createDispatcher, type CallHandlers } from '../../../main/transport/dispatcher';
import { NO_ACCESS_TOKEN, startWebServer, type RunningWebServer } from '../../../main/server/webServer';
import { MAX_FRAME_BYTES, MAX_SAVED_FILE_BYTES } from '../../../app/ipc/limits';
import { encodeFrame, RawWebSocket } from './rawWebSocket';

const handlers = {
  'workspace.info': async () => ({ path: '/ws', name: 'ws', journals: [] }),
  // A reply JSON cannot carry.
  'models.list': async () => ({ size: 1n }),
} as unknown as CallHandlers;

let server: RunningWebServer;
let origin: string;

beforeAll(async () => {
  const staticRoot = await mkdtemp(join(tmpdir(), 'steerway-static-'));
  await writeFile(join(staticRoot, 'index.html'), '<!doctype html><title>Steerway</title>');
  await mkdir(join(staticRoot, 'assets'));
  await writeFile(join(staticRoot, '..', 'secret.txt'), 'not for the web');
  server = await startWebServer({ staticRoot, dispatch: createDispatcher(handlers), token: 'the-token' });
  origin = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server.close());

const accessCookie = () => `steerway-token-${server.port}=the-token`;

/** Opens a socket and resolves with the HTTP status of a refusal, or 101 when it opens. */
function connect(path: string, headers: Record<string, string>): Promise<{ status: number; socket?: WebSocket }> {
  return connectTo(server.port, path, headers);
}

function connectTo(port: number, path: string, headers: Record<string, string> = { origin: `http://127.0.0.1:${port}` }): Promise<{ status: number; socket?: WebSocket }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
    socket.on('open', () => resolve({ status: 101, socket }));
    socket.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    socket.on('error', () => resolve({ status: 0 }));
  });
}

function get(path: string, host: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers: { host, ...headers } }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Node's client always fills in Host; an empty or absent one needs a raw request. */
function rawStatusLine(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(server.port, '127.0.0.1', () => socket.write(text));
    let received = '';
    socket.on('data', (chunk) => (received += chunk));
    socket.on('end', () => resolve(received.split('\r\n')[0]!));
    socket.on('error', reject);
  });
}

describe('browser-mode web server', () => {
  it('binds to loopback and prints a URL with the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=the-token`);
  });

  it('answers calls over a socket with the token, its own Origin and Host', async () => {
    const { status, socket } = await connect('/api?token=the-token', { origin });
    expect(status).toBe(101);
    const reply = await new Promise<unknown>((resolve) => {
      socket!.once('message', (data) => resolve(JSON.parse(String(data))));
      socket!.send(JSON.stringify({ id: 7, call: 'workspace.info', input: {} }));
    });
    expect(reply).toEqual({ id: 7, reply: { ok: true, value: { path: '/ws', name: 'ws', journals: [] } } });
    socket!.close();
  });

  it('refuses a socket without the token or with a wrong one', async () => {
    expect((await connect('/api', { origin })).status).toBe(401);
    expect((await connect('/api?token=the-tokem', { origin })).status).toBe(401);
  });

  it('refuses a foreign or missing Origin', async () => {
    expect((await connect('/api?token=the-token', { origin: 'http://evil.example' })).status).toBe(403);
    expect((await connect('/api?token=the-token', { origin: 'null' })).status).toBe(403);
    expect((await connect('/api?token=the-token', {})).status).toBe(403);
  });

  it('refuses a rebinding Host, including an empty one', async () => {
    expect((await connect('/api?token=the-token', { origin, host: `evil.example:${server.port}` })).status).toBe(421);
    expect((await get('/', `evil.example:${server.port}`)).status).toBe(421);
    expect(await rawStatusLine('GET / HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n')).toBe('HTTP/1.1 421 Misdirected Request');
    expect(await rawStatusLine('GET / HTTP/1.0\r\n\r\n')).toBe('HTTP/1.1 421 Misdirected Request');
  });

  it('serves the renderer but nothing outside its folder', async () => {
    const page = await get('/', `127.0.0.1:${server.port}`, { cookie: accessCookie() });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Steerway</title>');
    expect((await get('/../secret.txt', `localhost:${server.port}`, { cookie: accessCookie() })).status).toBe(404);
    expect((await get('/%2e%2e/secret.txt', `localhost:${server.port}`, { cookie: accessCookie() })).status).toBe(404);
  });

  it('the printed URL sets the token as an HttpOnly, SameSite=Strict cookie named for the port and redirects to the bare URL', async () => {
    const first = await get('/?token=the-token', `127.0.0.1:${server.port}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    expect(first.headers['set-cookie']).toEqual([`steerway-token-${server.port}=the-token; HttpOnly; SameSite=Strict; Path=/`]);
    // Other query parameters stay.
    expect((await get('/?a=1&token=the-token', `127.0.0.1:${server.port}`)).headers.location).toBe('/?a=1');
  });

  it('every HTTP route wants the cookie: without it, or with a wrong one, the clear message', async () => {
    const host = `127.0.0.1:${server.port}`;
    expect((await get('/', host, { cookie: accessCookie() })).status).toBe(200);
    expect((await get('/', host, { cookie: `other=1; ${accessCookie()}` })).status).toBe(200);
    for (const cookie of [undefined, `steerway-token-${server.port}=the-tokem`, `steerway-token-${server.port + 1}=the-token`]) {
      const refused = await get('/', host, cookie ? { cookie } : {});
      expect(refused).toMatchObject({ status: 401, body: NO_ACCESS_TOKEN });
    }
    expect((await get('/?token=the-tokem', host)).status).toBe(401);
    expect((await get('/assets/app.js', host)).status).toBe(401);
  });

  it('accepts a socket with the cookie instead of the token in the URL, and refuses a wrong cookie', async () => {
    const { status, socket } = await connect('/api', { origin, cookie: accessCookie() });
    expect(status).toBe(101);
    socket!.close();
    expect((await connect('/api', { origin, cookie: `steerway-token-${server.port}=the-tokem` })).status).toBe(401);
    // The cookie does not excuse a foreign Origin.
    expect((await connect('/api', { origin: 'http://evil.example', cookie: accessCookie() })).status).toBe(403);
  });

  it('answers a malformed percent-encoding with 400, not an internal error', async () => {
    expect((await get('/%zz', `127.0.0.1:${server.port}`)).status).toBe(400);
    expect((await get('/assets/%E0%A4%A', `127.0.0.1:${server.port}`)).status).toBe(400);
  });

  it('rejects a call that is not in the contract, and a malformed input, with a clear error', async () => {
    const { socket } = await connect('/api?token=the-token', { origin });
    const ask = (frame: unknown) =>
      new Promise<{ reply: { ok: boolean; error?: { code: string; message: string } } }>((resolve) => {
        socket!.once('message', (data) => resolve(JSON.parse(String(data))));
        socket!.send(JSON.stringify(frame));
      });
    expect((await ask({ id: 1, call: 'fs.readFile', input: {} })).reply.error?.code).toBe('unknown-call');
    const bad = await ask({ id: 2, call: 'journal.open', input: { journalId: '../etc' } });
    expect(bad.reply.error?.code).toBe('bad-request');
    expect(bad.reply.error?.message).toMatch(/journalId/);
    socket!.close();
  });
});

/** A socket with the token that sends frames and collects replies by id. */
async function client(): Promise<{ socket: WebSocket; ask: (frame: unknown) => Promise<unknown>; closed: Promise<number> }> {
  const { socket } = await connect('/api?token=the-token', { origin });
  const closed = new Promise<number>((resolve) => socket!.once('close', (code) => resolve(code)));
  const waiting = new Map<number, (reply: unknown) => void>();
  socket!.on('message', (data) => {
    const frame = JSON.parse(String(data)) as { id: number; reply: unknown };
    waiting.get(frame.id)?.(frame.reply);
  });
  const ask = (frame: unknown) =>
    new Promise<unknown>((resolve) => {
      waiting.set((frame as { id: number }).id, resolve);
      socket!.send(JSON.stringify(frame));
    });
  return { socket: socket!, ask, closed };
}

const info = { id: 99, call: 'workspace.info', input: {} };
const infoReply = { ok: true, value: { path: '/ws', name: 'ws', journals: [] } };

describe('browser-mode web server under malformed frames (security report V1)', () => {
  it('answers a call name that is no string with bad-request and keeps the socket', async () => {
    const { socket, ask } = await client();
    expect(await ask({ id: 1, call: { toString: 1 }, input: {} })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await ask({ id: 2, call: ['workspace.info'], input: {} })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await ask({ id: 3, input: {} })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await ask(info)).toEqual(infoReply);
    socket.close();
  });

  it('turns a reply JSON cannot carry into an internal error', async () => {
    const { socket, ask } = await client();
    expect(await ask({ id: 1, call: 'models.list', input: {} })).toEqual({ ok: false, error: { code: 'internal', message: 'The reply could not be sent.' } });
    expect(await ask(info)).toEqual(infoReply);
    socket.close();
  });

  it('closes only the offending socket on a frame over the limit, invalid UTF-8 or a binary frame', async () => {
    const bystander = await client();

    const huge = await RawWebSocket.open(server.port, '/api?token=the-token');
    huge.write(encodeFrame({ opcode: 1, payload: Buffer.alloc(0), claimedLength: BigInt(MAX_FRAME_BYTES) + 1n }));
    expect(await huge.closeCode()).toBe(1009);
    const lying = await RawWebSocket.open(server.port, '/api?token=the-token');
    lying.write(encodeFrame({ opcode: 1, payload: Buffer.alloc(0), claimedLength: 2n ** 63n }));
    expect(await lying.closeCode()).toBe(1009);

    const badText = await client();
    badText.socket.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect(await badText.closed).toBe(1007);

    const binary = await client();
    binary.socket.send(Buffer.from(JSON.stringify(info)), { binary: true });
    expect(await binary.closed).toBe(1003);

    expect(await bystander.ask(info)).toEqual(infoReply);
    bystander.socket.close();
  });

  it('answers a text over its limit with too-large, not by closing the socket', async () => {
    const { socket, ask } = await client();
    const text = 'x'.repeat(MAX_SAVED_FILE_BYTES + 1);
    expect(await ask({ id: 1, call: 'file.write', input: { path: 'big.txt', text, baseMtimeMs: null } })).toEqual({
      ok: false,
      error: { code: 'too-large', message: 'This file is over 10 MB to save.' },
    });
    expect(await ask(info)).toEqual(infoReply);
    socket.close();
  });

  it('answers even when a dispatch rejects with a value that cannot be shown', async () => {
    const logged: string[] = [];
    const staticRoot = await mkdtemp(join(tmpdir(), 'steerway-static-'));
    const rejecting = await startWebServer({
      staticRoot, token: 'the-token', log: (line) => logged.push(line),
      dispatch: () => Promise.reject(Object.create(null)),
    });
    const { socket } = await connectTo(rejecting.port, '/api?token=the-token');
    const reply = await new Promise<unknown>((resolve) => {
      socket!.once('message', (data) => resolve(JSON.parse(String(data))));
      socket!.send(JSON.stringify(info));
    });
    expect(reply).toEqual({ id: 99, reply: { ok: false, error: { code: 'internal', message: 'The call failed.' } } });
    expect(logged).toContain('dispatch failed: something that cannot be shown (object)');
    socket!.close();
    await rejecting.close();
  });

  it('survives a handshake whose URL cannot be parsed, or that is reset while refused', async () => {
    expect(await rawStatusLine(`GET http://[ HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`)).toMatch(/^HTTP\/1.1 (400|404)/);
    await new Promise<void>((resolve) => {
      const socket = connectTcp(server.port, '127.0.0.1', () => {
        socket.write(`GET /nope HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`);
        socket.resetAndDestroy();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve());
    });
    const { socket, ask } = await client();
    expect(await ask(info)).toEqual(infoReply);
    socket.close();
  });
});

describe('closing the browser-mode web server', () => {
  async function freshServer(): Promise<RunningWebServer> {
    const staticRoot = await mkdtemp(join(tmpdir(), 'steerway-static-'));
    await writeFile(join(staticRoot, 'index.html'), '<!doctype html><title>Steerway</title>');
    return startWebServer({ staticRoot, dispatch: createDispatcher(handlers), token: 'the-token' });
  }

  /** A raw connection that has sent `text` and is still open (the server accepted it). */
  function halfSent(port: number, text: string): Promise<ReturnType<typeof connectTcp>> {
    return new Promise((resolve, reject) => {
      const socket = connectTcp(port, '127.0.0.1', () => socket.write(text, () => resolve(socket)));
      socket.on('error', reject);
    });
  }

  it('ends with a request half sent, a spare connection and an open socket, and ends them (a quit never waits on a page)', async () => {
    const closing = await freshServer();
    const open = await connectTo(closing.port, '/api?token=the-token');
    expect(open.status).toBe(101);
    const socketClosed = new Promise<void>((resolve) => open.socket!.on('close', () => resolve()));
    // Headers never finished: Node would wait for its 60 s headers timeout before `close` ended.
    const half = await halfSent(closing.port, `GET /api?token=the-token HTTP/1.1\r\nHost: 127.0.0.1:${closing.port}\r\nUpgrade: websocket\r\n`);
    // A connection that never sent a byte (Chromium opens such spare connections ahead of need).
    const spare = await halfSent(closing.port, '');
    const ended = (socket: typeof half) => new Promise<void>((resolve) => socket.on('close', () => resolve()));
    const othersClosed = Promise.all([ended(half), ended(spare)]);
    await closing.close();
    await Promise.all([socketClosed, othersClosed]);
  });
});
