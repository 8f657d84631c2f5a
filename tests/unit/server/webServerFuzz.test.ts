import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { calls } from '../../../app/ipc/contract';
import { MAX_FRAME_BYTES } from '../../../app/ipc/limits';
import { encodeFrame, RawWebSocket } from './rawWebSocket';

/**
 * Issue 9, item 1: 10,000 random frames and calls against the real server in a process of its own (the real
 * dispatcher and contract, stub handlers: fixtures/fuzzServer.ts). The process must stay up, answer every
 * frame that is a call, close only the connections that sent garbage, and keep answering a valid client all along.
 */

const SERVER_SOURCE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'fuzzServer.ts');
const BATCHES = 100;
const FRAMES_PER_BATCH = 100;
/** Connections open at once for frames that end their connection. */
const LANES = 8;
const TOKEN = 'fuzz-token';
const API_PATH = `/api?token=${TOKEN}`;

const names = Object.keys(calls);
/** What the fixture's workspace.info answers. */
const workspace = { path: '/ws', name: 'ws', journals: [] };

type Frame = { kind: 'ws'; data: Buffer; binary: boolean } | { kind: 'raw'; bytes: Buffer };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** What the server does with a frame from the `ws` client: answers it, or closes the socket. */
function answered(frame: Frame & { kind: 'ws' }): boolean {
  if (frame.binary) return false;
  try {
    const value: unknown = JSON.parse(utf8.decode(frame.data));
    return typeof value === 'object' && value !== null && 'id' in value && Number.isSafeInteger(value.id);
  } catch {
    return false;
  }
}

const text = (value: unknown): Frame => ({ kind: 'ws', data: Buffer.from(JSON.stringify(value) ?? 'undefined'), binary: false });

const inputKeys = ['journalId', 'stepId', 'cellId', 'attachmentId', 'path', 'text', 'query', 'title', 'url', 'dir', 'edit',
  'attachment', 'kind', 'data', 'cols', 'rows', 'paths', 'baseMtimeMs', 'requestId', 'prefix', 'suffix', 'multiline', 'id'];
const key = fc.oneof(fc.constantFrom(...inputKeys, 'toString', 'valueOf', '__proto__', 'constructor'), fc.string());
const json = fc.jsonValue({ maxDepth: 4 });
const callName = fc.oneof(fc.constantFrom(...names), fc.string(), json, fc.constant({ toString: 1 }));
const input = fc.oneof(json, fc.dictionary(key, fc.oneof(json, fc.dictionary(key, json, { maxKeys: 4 })), { maxKeys: 6 }));
// Mostly integers, so that most odd calls are answered rather than ending their connection.
const id = fc.oneof({ weight: 6, arbitrary: fc.integer() }, fc.double(), fc.string(), fc.constant(null), fc.constant(2 ** 53));

const frameArbitrary: fc.Arbitrary<Frame> = fc.oneof(
  // Real call names with random inputs: the contract's checks and the handlers' failures.
  { weight: 60, arbitrary: fc.record({ id: fc.nat(), call: fc.constantFrom(...names), input }).map(text) },
  // Odd calls: names that are no string, ids that are no integer, missing fields.
  { weight: 25, arbitrary: fc.record({ id, call: callName, input }, { requiredKeys: ['id'] }).map(text) },
  { weight: 4, arbitrary: json.map(text) },
  // Text that is not JSON, including lone surrogates (sent as U+FFFD).
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((s): Frame => ({ kind: 'ws', data: Buffer.from(s), binary: false })) },
  // Random bytes as a text frame (mostly invalid UTF-8) and as a binary frame.
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b): Frame => ({ kind: 'ws', data: Buffer.from(b), binary: false })) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b): Frame => ({ kind: 'ws', data: Buffer.from(b), binary: true })) },
  // Frames no library sends: reserved bits, unknown opcodes, unmasked, lengths that lie (up to 2^64 - 1).
  {
    weight: 5,
    arbitrary: fc
      .record({
        opcode: fc.integer({ min: 0, max: 15 }),
        fin: fc.boolean(),
        rsv: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 7 })),
        masked: fc.oneof(fc.constant(true), fc.boolean()),
        payload: fc.uint8Array({ maxLength: 300 }),
        claimedLength: fc.option(fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.constant(BigInt(MAX_FRAME_BYTES) + 1n))),
      })
      .map(({ payload, claimedLength, ...shape }): Frame => ({
        kind: 'raw',
        bytes: encodeFrame({ ...shape, payload: Buffer.from(payload), claimedLength: claimedLength ?? undefined }),
      })),
  },
  { weight: 2, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b): Frame => ({ kind: 'raw', bytes: Buffer.from(b) })) },
  // Big and odd: a large escaped text, deep nesting.
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      text({ id: 1, call: 'attachment.add', input: { journalId: 'j', stepId: 's', attachment: { kind: 'text', title: 't', text: '\u0000'.repeat(100_000) } } }),
      { kind: 'ws', data: Buffer.from(`{"id":1,"call":"workspace.info","input":${'['.repeat(50_000)}${']'.repeat(50_000)}}`), binary: false } as Frame,
      { kind: 'ws', data: Buffer.from('['.repeat(50_000)), binary: false } as Frame,
    ),
  },
);

let bundleDir = '';
let serverProcess: ChildProcess;
let port = 0;
let serverLog = '';
const origin = () => `http://127.0.0.1:${port}`;
const serverAlive = () => serverProcess.exitCode === null && serverProcess.signalCode === null;

function open(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}${API_PATH}`, { headers: { origin: origin() } });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** A client that only sends valid frames and counts the replies it gets: all, failed calls, malformed frames. */
class Client {
  replies = 0;
  failed = 0;
  malformed = 0;
  closed = false;
  private waiters: { count: number; resolve: () => void }[] = [];
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.replies++;
      const { id, reply } = JSON.parse(String(data)) as { id?: unknown; reply?: { ok?: unknown; error?: { code?: unknown; message?: unknown } } };
      const wellFormed = typeof id === 'number' && typeof reply?.ok === 'boolean' &&
        (reply.ok || (typeof reply.error?.code === 'string' && typeof reply.error.message === 'string'));
      if (!wellFormed) this.malformed++;
      else if (!reply!.ok) this.failed++;
      this.waiters = this.waiters.filter((w) => (this.replies >= w.count ? (w.resolve(), false) : true));
    });
    socket.on('close', () => {
      this.closed = true;
      for (const waiter of this.waiters) waiter.resolve();
    });
  }
  static async connect(): Promise<Client> {
    return new Client(await open());
  }
  /** Resolves once `count` replies have come in all told, or the socket has closed. */
  repliesReach(count: number): Promise<void> {
    if (this.replies >= count || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }
}

/**
 * Sends a frame that ends its connection (or may: raw bytes) on a connection of its own, in the same write as the
 * handshake, and waits for the server to close it. Resolves with whether the handshake was accepted, so the frame reached ws.
 */
async function sendAlone(frame: Frame): Promise<boolean> {
  const bytes = frame.kind === 'raw' ? frame.bytes : encodeFrame({ opcode: frame.binary ? 2 : 1, payload: frame.data });
  return (await RawWebSocket.exchange(port, API_PATH, bytes)).startsWith('HTTP/1.1 101');
}

async function inLanes<T, R>(items: T[], lanes: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

// Bundled once and run with plain node: a crash is then the process exiting, as it would in the app.
beforeAll(async () => {
  bundleDir = await mkdtemp(join(tmpdir(), 'steerway-fuzz-'));
  const bundle = join(bundleDir, 'fuzzServer.cjs');
  await build({
    entryPoints: [SERVER_SOURCE], outfile: bundle, bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning',
    // ws's optional native helpers.
    external: ['bufferutil', 'utf-8-validate'],
  });
  serverProcess = spawn(process.execPath, [bundle, TOKEN], { stdio: ['ignore', 'pipe', 'pipe'] });
  serverProcess.stderr!.setEncoding('utf8').on('data', (data: string) => (serverLog += data));
  port = await new Promise<number>((resolve, reject) => {
    let out = '';
    serverProcess.stdout!.setEncoding('utf8').on('data', (data: string) => {
      out += data;
      const ready = /^ready (\d+)\n/.exec(out);
      if (ready) resolve(Number(ready[1]));
    });
    serverProcess.once('exit', () => reject(new Error(`the server exited before it was ready: ${serverLog}`)));
  });
});

afterAll(async () => {
  serverProcess?.kill();
  await rm(bundleDir, { recursive: true, force: true });
});

describe('browser-mode server under random frames and calls (property)', () => {
  it(`stays up through ${BATCHES * FRAMES_PER_BATCH} frames and keeps answering valid clients`, async () => {
    const bystander = await Client.connect();
    const caller = await Client.connect();
    let askedBystander = 0;
    let sentToCaller = 0;
    let sent = 0;

    await fc.assert(
      fc.asyncProperty(fc.array(frameArbitrary, { minLength: FRAMES_PER_BATCH, maxLength: FRAMES_PER_BATCH }), async (frames) => {
        // The bystander's call is in flight while the batch runs.
        bystander.socket.send(JSON.stringify({ id: ++askedBystander, call: 'workspace.info', input: {} }));
        const ending: Frame[] = [];
        for (const frame of frames) {
          if (frame.kind === 'ws' && answered(frame)) {
            caller.socket.send(frame.data, { binary: false });
            sentToCaller++;
          } else ending.push(frame);
        }
        const accepted = await inLanes(ending, LANES, sendAlone);
        await caller.repliesReach(sentToCaller);
        await bystander.repliesReach(askedBystander);
        sent += frames.length;
        return serverAlive() && accepted.every(Boolean) && !caller.closed && !bystander.closed;
      }),
      {
        numRuns: BATCHES, seed: 20261204, endOnFailure: true,
        // A batch printed byte by byte runs to megabytes: say what failed and how to replay it instead.
        reporter: (run) => {
          if (!run.failed) return;
          throw new Error(
            `batch ${run.numRuns} failed (seed ${run.seed}, path ${run.counterexamplePath}): server ${serverAlive() ? 'up' : 'DEAD'}, ` +
              `caller ${caller.closed ? 'closed' : 'open'}, bystander ${bystander.closed ? 'closed' : 'open'}\n${serverLog.slice(-2000)}`,
          );
        },
      },
    );

    expect(serverAlive(), serverLog).toBe(true);
    // Every call got a reply of the contract's shape, and the bystander's all succeeded.
    expect([caller.malformed, bystander.malformed, bystander.failed]).toEqual([0, 0, 0]);
    expect(caller.failed).toBeGreaterThan(0);
    expect(sent).toBe(BATCHES * FRAMES_PER_BATCH);
    // Both kinds of frames came up in numbers: calls answered, and connections ended by garbage.
    expect(sentToCaller).toBeGreaterThan(5000);
    expect(sent - sentToCaller).toBeGreaterThan(1500);
    // Afterwards a new client is served as usual.
    const after = await Client.connect();
    const reply = new Promise<unknown>((resolve) => after.socket.once('message', (data) => resolve(JSON.parse(String(data)))));
    after.socket.send(JSON.stringify({ id: 1, call: 'workspace.info', input: {} }));
    expect(await reply).toEqual({ id: 1, reply: { ok: true, value: workspace } });
    for (const client of [bystander, caller, after]) client.socket.close();
  }, 120_000);
});
