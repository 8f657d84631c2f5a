// Stack latency: from a keystroke in the page to the ghost text on screen, through browser mode (WebSocket),
// the assistant service, the engine host and Monaco, next to the engine's own times for the same requests.
//   npm run bench:stack                 realistic-shape model (the engine bench's Qwen2.5-Coder-0.5B shape, Q8_0), 3 documents
//   npm run bench:stack -- --quick      tiny model, 6 requests: exercises the harness in seconds
//   options: --requests N (default 20), --out <dir> (default results/, or results/tmp/stack-quick for --quick)
// Needs the built app (`npm run build`) and Chromium at /usr/bin/chromium (or CHROMIUM_PATH).
import { chromium, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateModel, PRESETS } from '../../tools/gguf-fixtures/model';
import { buildVocab, TokenType } from '../../tools/gguf-fixtures/vocab';
import { MAX_DEBOUNCE_MS } from '../../renderer/assistant/suggestionSource';
import { startApp, stop, writeSuggestingModel } from '../e2e/fixtures';
import { addStep, createJournal } from '../e2e/journalActions';
import { answeringRequest, percentile, sampleOf, type KeystrokeTimes, type Sample, type SentRequest } from './stackSample';
import { DOC_SOURCES, QUERY_SOURCE, readSource } from './workload';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PRESET = 'qwen2.5-coder-0.5b-shape';
/** The stack's own cost at the median must stay under this. */
const BAR_MS = 20;
/** Typing has settled when no request went out for this long: past any debounce, so none is still waiting to go. */
const QUIET_MS = 2 * MAX_DEBOUNCE_MS;

interface Config {
  quick: boolean;
  requests: number;
  outDir: string;
}

function parseArgs(argv: string[]): Config {
  const quick = argv.includes('--quick');
  const valueOf = (flag: string): string | undefined => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  argv.forEach((a, i) => {
    const isValue = i > 0 && ['--out', '--requests'].includes(argv[i - 1]!);
    if (!isValue && !['--quick', '--out', '--requests'].includes(a)) throw new Error(`stackLatency: unknown argument ${a} (use --quick, --requests N, --out <dir>)`);
  });
  const requests = Number(valueOf('--requests') ?? (quick ? 6 : 20));
  if (!Number.isInteger(requests) || requests < 1) throw new Error('stackLatency: --requests must be a positive integer');
  const out = valueOf('--out');
  return { quick, requests, outDir: out ? path.resolve(out) : path.join(root, 'results', ...(quick ? ['tmp', 'stack-quick'] : [])) };
}

/** Same rule as the e2e model: visible-ASCII tokens, whose greedy text a ghost can show. */
function isPrintableToken(vocab: ReturnType<typeof buildVocab>, token: number): boolean {
  return vocab.types[token] === TokenType.normal && /^[\x21-\x7e]+$/.test(vocab.tokens[token]!);
}

/**
 * The engine bench's model (same file, cached in build/bench), copied with its visible-ASCII tokens'
 * embedding rows scaled by 4: a random model otherwise emits unused tokens whose text is empty, and an
 * empty suggestion shows no ghost. Same shape and weights' sizes, so the same compute per token.
 */
function ensureRealisticModel(): string {
  const dir = path.join(root, 'build', 'bench');
  const base = path.join(dir, `${PRESET}-seed1.gguf`);
  const file = path.join(dir, `${PRESET}-seed1-printable.gguf`);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(base)) {
    // Written under a temporary name so an interrupted run never leaves a truncated model to reuse.
    const tmp = `${base}.${process.pid}.tmp`;
    generateModel(tmp, { preset: PRESET, seed: 1 });
    fs.renameSync(tmp, base);
  }
  const shape = PRESETS[PRESET];
  const vocab = buildVocab({ size: shape.nVocab, merges: shape.merges, specialIds: shape.specialIds });
  const q8Bytes = (count: number) => (count / 32) * 34;
  const aligned = (bytes: number) => Math.ceil(bytes / 32) * 32;
  const kv = (shape.nEmbd / shape.nHead) * shape.nHeadKv;
  const perLayer =
    2 * aligned(shape.nEmbd * 4) +
    [shape.nEmbd * shape.nEmbd, shape.nEmbd * kv, shape.nEmbd * kv, shape.nEmbd * shape.nEmbd, shape.nEmbd * shape.nFf, shape.nEmbd * shape.nFf, shape.nFf * shape.nEmbd]
      .reduce((n, count) => n + aligned(q8Bytes(count)), 0);
  const tensorBytes = aligned(q8Bytes(shape.nVocab * shape.nEmbd)) + aligned(shape.nEmbd * 4) + shape.nLayer * perLayer;
  const tmp = `${file}.${process.pid}.tmp`;
  fs.copyFileSync(base, tmp);
  // token_embd is the first tensor: rows of nEmbd/32 Q8_0 blocks, each an f16 scale then 32 int8.
  const embd = fs.statSync(tmp).size - tensorBytes;
  const rowBytes = q8Bytes(shape.nEmbd);
  const fd = fs.openSync(tmp, 'r+');
  try {
    const row = Buffer.alloc(rowBytes);
    for (let token = 0; token < shape.nVocab; token++) {
      if (!isPrintableToken(vocab, token)) continue;
      const at = embd + token * rowBytes;
      fs.readSync(fd, row, 0, rowBytes, at);
      for (let block = 0; block < rowBytes; block += 34) {
        const half = row.readUInt16LE(block);
        const exponent = (half >> 10) & 0x1f;
        // Times 4: two more in the f16 exponent, for normal numbers far from overflow.
        if (exponent > 0 && exponent < 0x1d) row.writeUInt16LE(half + (2 << 10), block);
      }
      fs.writeSync(fd, row, 0, rowBytes, at);
    }
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  return file;
}

interface Reply {
  requestId: string;
  text: string;
  report: { timeToFirstTokenMs: number; totalMs: number; promptTokens: number; computedTokens: number };
}

interface Probe {
  keyAt: number | null;
  /** Each ghost text the DOM showed since the reset, with when (streamed suggestions grow). */
  ghosts: [number, string][];
  sent: [number, string][];
  received: [number, string][];
}

/**
 * Probes in the page, installed before the app's scripts: the time of each keydown, of each frame the
 * page's WebSocket sends and receives (recorded first, read out later, so the app's own handling is not
 * delayed by them), and of each ghost text in the DOM after the probes were reset.
 */
async function installProbes(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __probe: Probe };
    w.__probe = { keyAt: null, ghosts: [], sent: [], received: [] };
    window.addEventListener('keydown', (event) => (w.__probe.keyAt = event.timeStamp), true);
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        // Added before the app sets onmessage: it runs first.
        this.addEventListener('message', (event) => w.__probe.received.push([performance.now(), String(event.data)]));
      }
      override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
        w.__probe.sent.push([performance.now(), String(data)]);
        super.send(data);
      }
    };
    new MutationObserver(() => {
      if (w.__probe.keyAt === null) return;
      const parts = [...document.querySelectorAll('.ghost-text-decoration')].map((e) => e.textContent ?? '');
      const text = parts.join('').replaceAll('\u00a0', ' ');
      if (parts.length > 0 && text !== w.__probe.ghosts.at(-1)?.[1]) w.__probe.ghosts.push([performance.now(), text]);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
}

const resetProbes = (page: Page) =>
  page.evaluate(() => {
    const w = window as unknown as { __probe: Probe };
    Object.assign(w.__probe, { keyAt: null, ghosts: [], sent: [], received: [] });
  });

/** The probes' times for one request, once its answer is in and the ghost shows all of `whole`; null before. */
const readProbes = (page: Page, requestId: string, whole: string) =>
  page.evaluate(({ requestId, whole }): KeystrokeTimes | null => {
    const w = window as unknown as { __probe: Probe };
    const { keyAt, ghosts, sent, received } = w.__probe;
    const firstGhostAt = ghosts[0]?.[0];
    const ghostAt = ghosts.find(([, text]) => text === whole)?.[0];
    if (keyAt === null || firstGhostAt === undefined || ghostAt === undefined) return null;
    const call = sent.map(([at, data]) => ({ at, frame: JSON.parse(data) as { id?: number; input?: { requestId?: string } } })).find((c) => c.frame.input?.requestId === requestId);
    const reply = call && received.map(([at, data]) => ({ at, frame: JSON.parse(data) as { id?: number } })).find((r) => r.frame.id === call.frame.id);
    return call && reply ? { keyAt, sentAt: call.at, repliedAt: reply.at, firstGhostAt, ghostAt } : null;
  }, { requestId, whole });

async function prepare(page: Page, url: string, docs: { title: string; text: string }[]): Promise<void> {
  await page.goto(url);
  // The e2e suite's steps, kept in step with the UI.
  await createJournal(page, 'Stack latency');
  await addStep(page, 'Measure');
  const panel = page.getByRole('region', { name: 'Attachments' }).or(page.getByRole('complementary', { name: 'Attachments' }));
  for (const doc of docs) {
    await panel.getByRole('button', { name: 'Attach' }).click();
    await panel.getByLabel('Attachment kind').selectOption('text');
    await panel.getByLabel('Title').fill(doc.title);
    await panel.getByLabel('Text').fill(doc.text);
    await panel.getByRole('button', { name: 'Add attachment' }).click();
    await panel.getByRole('listitem', { name: doc.title }).waitFor();
    // The form closes once the edit is answered, which can come after the list shows the document.
    await panel.getByRole('button', { name: 'Add attachment' }).waitFor({ state: 'detached' });
  }
  const status = page.getByRole('contentinfo', { name: 'Assistant status' });
  await status.getByText('ready', { exact: true }).waitFor({ timeout: 180_000 });
  await page.getByRole('treeitem', { name: 'query.ts' }).click();
  await page.getByText('Context inspector', { exact: true }).click();
  await page.locator('.monaco-editor .view-lines').click();
  await page.keyboard.press('Control+End');
}

const inspectorMs = async (page: Page, label: string): Promise<number> => {
  const text = await page.getByRole('region', { name: 'Context inspector' }).locator('dt', { hasText: label }).locator('xpath=following-sibling::dd[1]').textContent();
  return Number.parseFloat(text ?? 'NaN');
};

/** Why a request failed, by requestId; and the requests the page cancelled. */
const errors = new Map<string, string>();
const cancels: string[] = [];

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure(page: Page, replies: Map<string, Reply | null>, sent: SentRequest[], lastSentAt: () => number, line: number): Promise<Sample | string> {
  await page.keyboard.press('Enter');
  const typed = `let v${line} =`;
  await page.keyboard.type(typed);
  const typedAt = Date.now();
  // Let the requests of the typing settle (none waiting in its debounce, every one answered), then hide what they showed.
  for (const settle = Date.now() + 120_000; Date.now() < settle; await pause(20)) {
    const quiet = Date.now() - Math.max(typedAt, lastSentAt()) >= QUIET_MS;
    if (quiet && sent.every((r) => replies.has(r.requestId))) break;
  }
  await page.keyboard.press('Escape');
  await page.locator('.ghost-text-decoration').first().waitFor({ state: 'detached' });
  const before = sent.length;
  await resetProbes(page);
  await page.keyboard.press('Space');
  let request: SentRequest | undefined;
  for (const asked = Date.now() + 2_000; !(request = answeringRequest(sent, before, `${typed} `)); await pause(5)) {
    if (Date.now() > asked) return `no request (type-through or cache; ${sent.length - before} for other text)`;
  }
  let answeredAt: number | null = null;
  for (const limit = Date.now() + 120_000; Date.now() < limit; await pause(5)) {
    const reply = replies.get(request.requestId);
    if (reply === null) {
      // Monaco stops inline suggestions on blur: say where the focus is.
      const focus = await page.evaluate(() => {
        const e = document.activeElement;
        return e ? `${e.tagName.toLowerCase()}${e.getAttribute('aria-label') ? ` "${e.getAttribute('aria-label')}"` : ''}.${e.className}` : 'none';
      });
      return `failed (focus: ${focus}; ${errors.get(request.requestId) ?? 'no reason'}; ${cancels.includes(request.requestId) ? 'cancelled by the page with no keystroke after it' : 'not cancelled by the page'})`;
    }
    if (reply && reply.text.trim() === '') return 'empty suggestion';
    if (!reply) continue;
    answeredAt ??= Date.now();
    const times = await readProbes(page, request.requestId, reply.text);
    if (times) return sampleOf(times, await inspectorMs(page, 'Debounce'), reply.report);
    if (Date.now() - answeredAt > 2_000) return 'answer shown as no ghost (cut to nothing)';
  }
  return 'no answer within 120 s';
}

function summary(samples: Sample[], key: keyof Sample) {
  const values = samples.map((s) => s[key]);
  return { p50: percentile(values, 50), p95: percentile(values, 95) };
}

function renderMarkdown(result: ReturnType<typeof buildResult>): string {
  const row = (label: string, s: { p50: number; p95: number }) => `| ${label} | ${s.p50.toFixed(1)} | ${s.p95.toFixed(1)} |`;
  return [
    '# Stack latency: keystroke to ghost text',
    '',
    `${result.date}, ${result.machine}. Model: ${result.model}. Ghost text after ${result.samples.length} of ${result.samples.length + result.skipped.length} measured keystrokes` +
      `${result.skipped.length ? ` (the others: ${[...new Set(result.skipped)].join(', ')})` : ''}.`,
    '',
    'Browser mode (Chromium, WebSocket), the assistant service, the engine host process and Monaco. Each measurement is',
    `one keystroke (a space) after the typing before it settled (no request sent for ${QUIET_MS} ms, twice the longest debounce,`,
    'and every one answered); the request measured is the one for the text after the keystroke, and the engine reports',
    'its own times for it. Times in the page come from probes in it (keydown, WebSocket send and receive, each ghost text',
    'in the DOM: the first one, streamed while the engine generates, and the one showing the whole answer). The stack',
    'overhead is counted to the whole suggestion shown, as the engine request is counted to its end.',
    "The debounce is the provider's deliberate wait (adaptive: half the recent median latency, 15 to",
    `${MAX_DEBOUNCE_MS} ms); the stack overhead is counted without it, and with it in the last row.`,
    '',
    '| ms | p50 | p95 |',
    '|---|---|---|',
    row('keystroke → first ghost text (streamed: the suggestion\'s start)', result.firstGhost),
    row('keystroke → whole suggestion shown', result.ghost),
    row('debounce (adaptive)', result.debounce),
    row('engine: time to first token', result.engineTtft),
    row('engine: whole request (prompt, then the whole suggestion generated)', result.engineTotal),
    row('**stack overhead** (whole shown − debounce − engine request)', result.stack),
    row('… of it between page and engine (round trip − engine request: WebSocket, service, host)', result.wire),
    row('… of it in the page', result.page),
    row('… … keystroke to request (less the debounce)', result.keyToRequest),
    row('… … answer to the whole ghost text in the DOM', result.answerToGhost),
    row('stack with its debounce (shown − engine request)', result.stackWithDebounce),
    '',
    `Prompt tokens: ${result.promptTokens.p50} at p50, of which the engine computed ${result.computedTokens.p50} at p50 (the rest reused from its KV cache).`,
    '',
    `Bar: the stack adds under ${BAR_MS} ms at p50: **${result.pass ? 'met' : 'not met'}** (${result.stack.p50.toFixed(1)} ms, ` +
      `the debounce apart; with it ${result.stackWithDebounce.p50.toFixed(1)} ms).`,
    `Load average at start ${result.load.start}, at end ${result.load.end} (${os.cpus().length} cores)${result.load.training ? `; ${result.load.training}` : ''}.`,
    '',
  ].join('\n');
}

function buildResult(cfg: Config, model: string, samples: Sample[], skipped: string[], load: { start: string; end: string; training: string }) {
  const stack = summary(samples, 'stackMs');
  return {
    date: new Date().toISOString(),
    machine: `${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, ${process.platform}`,
    model,
    quick: cfg.quick,
    requests: cfg.requests,
    firstGhost: summary(samples, 'firstGhostMs'),
    ghost: summary(samples, 'ghostMs'),
    debounce: summary(samples, 'debounceMs'),
    engineTtft: summary(samples, 'engineTtftMs'),
    engineTotal: summary(samples, 'engineTotalMs'),
    stack,
    wire: summary(samples, 'wireMs'),
    page: summary(samples, 'pageMs'),
    keyToRequest: summary(samples, 'keyToRequestMs'),
    answerToGhost: summary(samples, 'answerToGhostMs'),
    stackWithDebounce: summary(samples, 'stackWithDebounceMs'),
    promptTokens: summary(samples, 'promptTokens'),
    computedTokens: summary(samples, 'computedTokens'),
    load,
    barMs: BAR_MS,
    pass: stack.p50 < BAR_MS,
    samples,
    skipped,
  };
}

const loadAverage = () => os.loadavg().map((n) => n.toFixed(2)).join(' ');

/** Other work on the machine the numbers should be read against (the shared machine runs training jobs). */
function trainingJobs(): string {
  try {
    const jobs = execFileSync('pgrep', ['-f', 'train\\.py'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
    return `${jobs.length} training process(es) running (pgrep -f train.py)`;
  } catch {
    return 'no training process running (pgrep -f train.py)';
  }
}

async function main(): Promise<void> {
  const cfg = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(path.join(root, 'out', 'renderer', 'index.html'))) throw new Error('stackLatency: build the app first (npm run build)');
  const workspace = await mkdtemp(path.join(os.tmpdir(), 'steerway-stack-ws-'));
  const userData = await mkdtemp(path.join(os.tmpdir(), 'steerway-stack-user-'));
  const modelPath = cfg.quick ? writeSuggestingModel(path.join(userData, 'tiny-suggesting.gguf')) : ensureRealisticModel();
  // Shaped as the engine bench's requests: documents of about 1k tokens and a prefix of about 170 (the
  // generated vocabulary has few merges: about 1.4 characters a token), cut from the same sources.
  const docs = DOC_SOURCES.slice(0, cfg.quick ? 1 : 3).map((rel) => ({ title: path.basename(rel), text: readSource(root, rel).slice(0, cfg.quick ? 400 : 1_400) }));
  const query = readSource(root, QUERY_SOURCE);
  await writeFile(path.join(workspace, 'query.ts'), query.slice(0, query.indexOf('\n', 200) + 1));

  const app = await startApp(workspace, userData, ['--model', modelPath]);
  let appLog = '';
  app.child.stdout!.on('data', (chunk) => (appLog += chunk));
  app.child.stderr!.on('data', (chunk) => (appLog += chunk));
  app.child.on('exit', (code, signal) => {
    process.stderr.write(`stackLatency: steerway exited (${code ?? signal}) during the run:\n${appLog}\n`);
    process.exit(1);
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const samples: Sample[] = [];
  const skipped: string[] = [];
  const load = { start: loadAverage(), end: '', training: trainingJobs() };
  try {
    const page = await browser.newPage();
    // The engine's own numbers, from the replies on the wire.
    const sent: SentRequest[] = [];
    let lastSentAt = 0;
    /** By requestId: the reply, or null for a request that ended in an error (a cancelled one). */
    const replies = new Map<string, Reply | null>();
    const callIds = new Map<number, string>();
    errors.clear();
    page.on('websocket', (socket) => {
      socket.on('framesent', (frame) => {
        const message = JSON.parse(String(frame.payload)) as { id?: number; call?: string; input?: { requestId?: string; prefix?: string } };
        if (message.call === 'assistant.cancel' && message.input?.requestId) cancels.push(message.input.requestId);
        if (message.call !== 'assistant.complete' || !message.input?.requestId || message.id === undefined) return;
        sent.push({ requestId: message.input.requestId, prefix: message.input.prefix ?? '' });
        lastSentAt = Date.now();
        callIds.set(message.id, message.input.requestId);
      });
      socket.on('framereceived', (frame) => {
        const message = JSON.parse(String(frame.payload)) as { id?: number; reply?: { ok: boolean; value?: Reply; error?: { code: string; message: string } } };
        const requestId = message.id === undefined ? undefined : callIds.get(message.id);
        if (requestId && message.reply) replies.set(requestId, message.reply.ok ? message.reply.value! : null);
        if (requestId && message.reply?.error) errors.set(requestId, `${message.reply.error.code}: ${message.reply.error.message}`);
      });
    });
    process.stdout.write(`model ${modelPath}\npreparing the journal, ${docs.length} documents, and waiting for the engine...\n`);
    await installProbes(page);
    await prepare(page, app.url, docs);
    load.start = loadAverage();
    const warmup = 2;
    for (let i = 0; i < cfg.requests + warmup; i++) {
      const sample = await measure(page, replies, sent, () => lastSentAt, i);
      if (i < warmup) {
        process.stdout.write(`  warm-up ${i + 1}: ${typeof sample === 'string' ? sample : `ghost ${sample.ghostMs.toFixed(1)} ms`}\n`);
        continue;
      }
      if (typeof sample === 'string') skipped.push(sample);
      else samples.push(sample);
      process.stdout.write(typeof sample === 'string' ? `  ${i - warmup + 1}: skipped (${sample})\n` : `  ${i - warmup + 1}: first ghost ${sample.firstGhostMs.toFixed(1)} ms, whole ${sample.ghostMs.toFixed(1)} ms, engine ${sample.engineTotalMs.toFixed(1)} ms (ttft ${sample.engineTtftMs.toFixed(1)}), debounce ${sample.debounceMs} ms, stack ${sample.stackMs.toFixed(1)} ms (wire ${sample.wireMs.toFixed(1)}, page ${sample.pageMs.toFixed(1)}: ${sample.keyToRequestMs.toFixed(1)} + ${sample.answerToGhostMs.toFixed(1)}), ${sample.computedTokens} of ${sample.promptTokens} prompt tokens computed\n`);
    }
  } finally {
    load.end = loadAverage();
    await browser.close();
    app.child.removeAllListeners('exit');
    await stop(app.child);
    await rm(workspace, { recursive: true, force: true });
    await rm(userData, { recursive: true, force: true });
  }
  const result = buildResult(cfg, cfg.quick ? 'tiny (generated, printable tokens boosted)' : `${PRESET} seed 1 (generated, printable tokens boosted)`, samples, skipped, load);
  fs.mkdirSync(cfg.outDir, { recursive: true });
  fs.writeFileSync(path.join(cfg.outDir, 'stack-latency.json'), `${JSON.stringify(result, null, 2)}\n`);
  const markdown = renderMarkdown(result);
  fs.writeFileSync(path.join(cfg.outDir, 'stack-latency.md'), markdown);
  process.stdout.write(`\n${markdown}\nwrote ${path.join(cfg.outDir, 'stack-latency.{json,md}')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
