// Large journals: a 5,000-step journal opened in the page, edits in main and in the page, and 50 MB of live
// output, all through browser mode (WebSocket) and headless Chromium, as a user meets them.
//   npm run bench:journal                      5,000 steps, 50 MB of output; writes results/journal-bench.{json,md}
//   npm run bench:journal -- --quick           500 steps, 5 MB: exercises the harness (results/tmp/journal-quick)
//   options: --steps N, --output-mb M, --edits N (main-side edits, default 30), --out <dir>,
//            --app <dir> (another checkout's built app, e.g. the commit before the fix, for before/after numbers)
// Needs the built app (`npm run build`) and Chromium at /usr/bin/chromium (or CHROMIUM_PATH).
import { chromium, type Page } from '@playwright/test';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { serializeJournal } from '../../app/journal/migrate';
import { createJournal, newStep, type Journal } from '../../app/journal/schema';
import { startApp, stop } from '../e2e/appProcess';
import { percentile } from './stackSample';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The bar for opening the large journal. */
const OPEN_BAR_MS = 2000;
const JOURNAL_ID = 'bench-large';

interface Config {
  quick: boolean;
  steps: number;
  outputMb: number;
  edits: number;
  outDir: string;
  appDir: string;
}

function parseArgs(argv: string[]): Config {
  const flags = ['--quick'];
  const options = ['--steps', '--output-mb', '--edits', '--out', '--app'];
  argv.forEach((a, i) => {
    const isValue = i > 0 && options.includes(argv[i - 1]!);
    if (!isValue && !flags.includes(a) && !options.includes(a)) throw new Error(`journalBench: unknown argument ${a} (use --quick, ${options.join(', ')})`);
  });
  const valueOf = (flag: string): string | undefined => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  const quick = argv.includes('--quick');
  const positive = (flag: string, fallback: number) => {
    const value = Number(valueOf(flag) ?? fallback);
    if (!Number.isInteger(value) || value < 1) throw new Error(`journalBench: ${flag} must be a positive integer`);
    return value;
  };
  const out = valueOf('--out');
  return {
    quick,
    steps: positive('--steps', quick ? 500 : 5000),
    outputMb: positive('--output-mb', quick ? 5 : 50),
    edits: positive('--edits', quick ? 5 : 30),
    outDir: out ? path.resolve(out) : path.join(root, 'results', ...(quick ? ['tmp', 'journal-quick'] : [])),
    appDir: path.resolve(valueOf('--app') ?? root),
  };
}

/** A journal as a long task leaves it: every step with a title, notes, a status and a cell that ran. */
export function largeJournal(steps: number): Journal {
  const journal = createJournal(JOURNAL_ID, 'A long migration', new Date('2026-12-01T09:00:00Z'));
  const statuses = ['done', 'doing', 'todo'] as const;
  const all = Array.from({ length: steps }, (_, i) => ({
    ...newStep(`step-${i}`, `Step ${i + 1}: move module ${i} to the new API`),
    status: statuses[i % 3]!,
    notes: `Checked the callers of module ${i}; **two** left.\n\n- run the tests\n- update the docs`,
    cells: [
      {
        id: `cell-${i}`,
        command: `npm test -- module-${i}`,
        collapsed: false,
        lastRun: {
          runId: `run-${i}`, startedAt: '2026-12-01T09:00:00.000Z', durationMs: 1200, exitCode: 0, cwd: '/work',
          interrupted: false, outputBytes: 0, outputTruncated: false,
        },
      },
    ],
  }));
  return { ...journal, steps: all, currentStepId: all[0]?.id ?? null };
}

export async function writeWorkspace(steps: number): Promise<{ workspace: string; userData: string; journalBytes: number }> {
  const workspace = await mkdtemp(path.join(os.tmpdir(), 'steerway-bench-ws-'));
  const userData = await mkdtemp(path.join(os.tmpdir(), 'steerway-bench-user-'));
  const dir = path.join(workspace, '.steerway', 'journals', JOURNAL_ID);
  await mkdir(dir, { recursive: true });
  const text = serializeJournal(largeJournal(steps));
  await writeFile(path.join(dir, 'journal.json'), text);
  return { workspace, userData, journalBytes: Buffer.byteLength(text) };
}

/** A second window of main, as a Node WebSocket client that edits: what main sends it per edit (event and answer), and how long main takes. */
async function mainSideEdits(url: string, steps: number, edits: number) {
  const page = new URL(url);
  const socket = new WebSocket(`ws://${page.host}/api?token=${page.searchParams.get('token')}`, { headers: { origin: page.origin } });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  let nextId = 1;
  let received = 0;
  const waiting = new Map<number, (reply: { ok: boolean; error?: unknown }) => void>();
  socket.on('message', (data: Buffer) => {
    received += data.length;
    const frame = JSON.parse(data.toString()) as { id?: number; reply?: { ok: boolean; error?: unknown } };
    if (frame.id !== undefined && frame.reply) waiting.get(frame.id)?.(frame.reply);
  });
  const call = (name: string, input: unknown) =>
    new Promise<void>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, (reply) => (reply.ok ? resolve() : reject(new Error(`${name}: ${JSON.stringify(reply.error)}`))));
      socket.send(JSON.stringify({ id, call: name, input }));
    });
  await call('journal.open', { journalId: JOURNAL_ID });
  const stepId = `step-${Math.floor(steps / 2)}`;
  const times: number[] = [];
  const bytes: number[] = [];
  for (let i = 0; i < edits; i++) {
    received = 0;
    const started = performance.now();
    await call('journal.edit', { journalId: JOURNAL_ID, edit: { type: 'renameStep', stepId, title: `Renamed ${i}` } });
    times.push(performance.now() - started);
    // The event arrives before the reply on the same socket, so both are counted by now.
    bytes.push(received);
  }
  socket.close();
  return { roundTripMsP50: percentile(times, 50), roundTripMsP95: percentile(times, 95), bytesPerEdit: percentile(bytes, 50) };
}

/**
 * A probe of the page's main thread: the longest gap between timer ticks that asked for 10 ms. Sent as
 * source text, since tsx's helper names do not exist in the page.
 */
const STALL_PROBE = `(() => {
  const probe = (window.__stall = { max: 0, over100: 0, on: true });
  let last = performance.now();
  const tick = () => {
    const now = performance.now();
    const gap = now - last - 10;
    if (gap > probe.max) probe.max = gap;
    if (gap > 100) probe.over100++;
    last = now;
    if (probe.on) setTimeout(tick, 10);
  };
  setTimeout(tick, 10);
})()`;

async function startStallProbe(page: Page): Promise<void> {
  await page.evaluate(STALL_PROBE);
}

async function stopStallProbe(page: Page): Promise<{ longestStallMs: number; stallsOver100Ms: number }> {
  return page.evaluate('(() => { window.__stall.on = false; return { longestStallMs: Math.round(window.__stall.max), stallsOver100Ms: window.__stall.over100 }; })()');
}

/**
 * Waits until `expression` holds in the page, checked once per frame, and returns the ms since `since`.
 * Plain DOM queries: Playwright's text locators scan the whole page, and over 5,000 steps their polling
 * would cost the page more than what is measured.
 */
async function timeUntil(page: Page, since: number, expression: string, timeoutMs = 180_000): Promise<number> {
  await page.waitForFunction(expression, undefined, { polling: 'raf', timeout: timeoutMs });
  return performance.now() - since;
}

const headerIs = (n: number, steps: number) => `document.querySelector('.step-position')?.textContent === 'Step ${n} of ${steps}'`;
const currentStep = `document.querySelector('.step-list [aria-current="step"]')`;
const currentIs = (title: string) => `${currentStep}?.getAttribute('aria-label') === ${JSON.stringify(title)}`;
const terminalShows = (text: string) => `[...document.querySelectorAll('.xterm-rows')].some((rows) => rows.textContent.includes(${JSON.stringify(text)}))`;

async function run(config: Config) {
  const { workspace, userData, journalBytes } = await writeWorkspace(config.steps);
  const { child, url } = await startApp(config.appDir, workspace, userData, ['--no-default-model']);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    console.log(`[bench:journal] ${config.steps} steps (${(journalBytes / 1e6).toFixed(2)} MB journal), app ${config.appDir}`);
    const main = await mainSideEdits(url, config.steps, config.edits);
    console.log(`[bench:journal] main, per edit: round trip p50 ${main.roundTripMsP50.toFixed(1)} ms, p95 ${main.roundTripMsP95.toFixed(1)} ms; ${main.bytesPerEdit} bytes to the window that edits`);

    // The probes are source text, which the app's CSP (no eval) would refuse; measuring needs nothing else of it.
    const page = await browser.newPage({ bypassCSP: true });
    let pageBytes = 0;
    page.on('websocket', (ws) => {
      ws.on('framereceived', (frame) => (pageBytes += Buffer.byteLength(frame.payload)));
      ws.on('framesent', (frame) => (pageBytes += Buffer.byteLength(frame.payload)));
    });
    const openStart = performance.now();
    await page.goto(url);
    const openMs = await timeUntil(page, openStart, headerIs(1, config.steps));
    // The list may fill in after the journal shows; the click below is measured on the whole list.
    const listedMs = await timeUntil(page, openStart, `document.querySelectorAll('.step-list > li').length === ${config.steps}`);
    console.log(`[bench:journal] page: ${config.steps} steps open in ${openMs.toFixed(0)} ms (bar ${OPEN_BAR_MS}), all in the list at ${listedMs.toFixed(0)} ms`);

    await startStallProbe(page);
    const clickStart = performance.now();
    // CSS locators here: role and label lookups would walk all 5,000 steps inside the measured time.
    await page.locator('.step-list > li').nth(1).click();
    const clickMs = await timeUntil(page, clickStart, headerIs(2, config.steps));

    // An edit in the page: the status of the current step, until the list shows it.
    pageBytes = 0;
    const editStart = performance.now();
    await page.locator('.step-controls select').selectOption('done');
    const pageEditMs = await timeUntil(page, editStart, `${currentStep}?.getAttribute('data-status') === 'done'`);
    const pageEditBytes = pageBytes;
    const editStall = await stopStallProbe(page);
    console.log(`[bench:journal] page: another step shown ${clickMs.toFixed(0)} ms after a click; an edit shown in ${pageEditMs.toFixed(0)} ms, ${pageEditBytes} bytes on the socket, longest stall ${editStall.longestStallMs} ms`);

    // 50 MB of live output in a new (trusted) journal, while the user clicks between steps.
    await page.getByRole('button', { name: 'New journal' }).click();
    await page.getByLabel('Journal title').fill('Output');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByText('No steps yet.').waitFor();
    for (const title of ['Flood', 'Elsewhere']) {
      await page.getByRole('button', { name: 'Add step' }).click();
      const input = page.getByRole('textbox', { name: 'Step title' });
      await input.fill(title);
      await input.press('Enter');
      await page.getByRole('listitem', { name: title }).and(page.locator('[aria-current="step"]')).waitFor();
    }
    await page.getByRole('listitem', { name: 'Flood' }).click();
    await page.getByRole('listitem', { name: 'Flood' }).and(page.locator('[aria-current="step"]')).waitFor();
    const bytes = config.outputMb * 1_000_000;
    // The marker is printed last: a view showing it has written everything before it.
    const command = `yes 'steerway live output 0123456789 abcdefghijklmnopqrstuvwxyz' | head -c ${bytes}; echo; echo END-OF-FLOOD`;
    await startStallProbe(page);
    const outputStart = performance.now();
    const commandBox = page.getByRole('textbox', { name: 'Command' });
    await commandBox.fill(command);
    await commandBox.press('Enter');
    const cell = page.getByRole('group', { name: `Cell: ${command}` });
    await cell.getByRole('button', { name: 'Interrupt' }).waitFor({ timeout: 60_000 });
    // Responsiveness by state: a click on another step is handled while the output streams.
    const switchStart = performance.now();
    await page.getByRole('listitem', { name: 'Elsewhere' }).click();
    const switchMs = await timeUntil(page, switchStart, currentIs('Elsewhere'));
    await page.getByRole('listitem', { name: 'Flood' }).click();
    await timeUntil(page, outputStart, `[...document.querySelectorAll('.cell-status')].some((s) => s.textContent === 'exit 0') && ${terminalShows('END-OF-FLOOD')}`, 600_000);
    const outputMs = performance.now() - outputStart;
    const outputStall = await stopStallProbe(page);
    // The whole output shown again: away to another step and back, until its view shows the last line.
    await page.getByRole('listitem', { name: 'Elsewhere' }).click();
    await timeUntil(page, performance.now(), currentIs('Elsewhere'));
    await startStallProbe(page);
    const againStart = performance.now();
    await page.getByRole('listitem', { name: 'Flood' }).click();
    const againMs = await timeUntil(page, againStart, terminalShows('END-OF-FLOOD'));
    const againStall = await stopStallProbe(page);
    console.log(`[bench:journal] page: ${config.outputMb} MB shown again in ${againMs.toFixed(0)} ms, longest stall ${againStall.longestStallMs} ms`);
    console.log(`[bench:journal] page: ${config.outputMb} MB live output in ${(outputMs / 1000).toFixed(1)} s, longest stall ${outputStall.longestStallMs} ms (${outputStall.stallsOver100Ms} over 100 ms), a step click handled in ${switchMs.toFixed(0)} ms while it streamed`);

    return {
      date: new Date().toISOString(),
      app: path.relative(root, config.appDir) || '.',
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))) },
      steps: config.steps,
      journalBytes,
      open: { pageOpenMs: Math.round(openMs), barMs: OPEN_BAR_MS, met: openMs < OPEN_BAR_MS, allListedMs: Math.round(listedMs), stepClickMs: Math.round(clickMs) },
      edit: {
        mainRoundTripMsP50: Number(main.roundTripMsP50.toFixed(1)),
        mainRoundTripMsP95: Number(main.roundTripMsP95.toFixed(1)),
        mainBytesPerEdit: main.bytesPerEdit,
        pageEditShownMs: Math.round(pageEditMs),
        pageBytesPerEdit: pageEditBytes,
        pageLongestStallMs: editStall.longestStallMs,
      },
      output: {
        megabytes: config.outputMb,
        seconds: Number((outputMs / 1000).toFixed(1)),
        pageLongestStallMs: outputStall.longestStallMs,
        pageStallsOver100Ms: outputStall.stallsOver100Ms,
        stepClickWhileStreamingMs: Math.round(switchMs),
        shownAgainMs: Math.round(againMs),
        shownAgainLongestStallMs: againStall.longestStallMs,
      },
    };
  } finally {
    await browser.close();
    await stop(child);
    await rm(workspace, { recursive: true, force: true });
    await rm(userData, { recursive: true, force: true });
  }
}

type Result = Awaited<ReturnType<typeof run>>;

function markdown(r: Result): string {
  return `# Large journals (bench:journal)

${r.date}, app \`${r.app}\`, ${r.machine.cpus} × ${r.machine.model}, load ${r.machine.loadAverage.join(' / ')} at the end.
Browser mode, headless Chromium; the page's main thread is probed with 10 ms timers (a stall is a tick that came late).

| measure | value |
| --- | --- |
| journal | ${r.steps} steps, ${(r.journalBytes / 1e6).toFixed(2)} MB |
| page open (navigation to the current step shown) | ${r.open.pageOpenMs} ms (bar ${r.open.barMs} ms: ${r.open.met ? 'met' : 'NOT met'}) |
| every step in the list (navigation to the last item) | ${r.open.allListedMs} ms |
| click on another step, until it shows | ${r.open.stepClickMs} ms |
| edit, main round trip (a second window, p50 / p95) | ${r.edit.mainRoundTripMsP50} / ${r.edit.mainRoundTripMsP95} ms |
| bytes main sends that window per edit (the change event and the answer) | ${r.edit.mainBytesPerEdit} |
| edit in the page (status), until the list shows it | ${r.edit.pageEditShownMs} ms |
| bytes on the page's socket for that edit (both ways) | ${r.edit.pageBytesPerEdit} |
| page's longest stall around the click and the edit | ${r.edit.pageLongestStallMs} ms |
| live output | ${r.output.megabytes} MB in ${r.output.seconds} s |
| page's longest stall while it streamed | ${r.output.pageLongestStallMs} ms (${r.output.pageStallsOver100Ms} stalls over 100 ms) |
| click on another step while it streamed, until shown | ${r.output.stepClickWhileStreamingMs} ms |
| the whole output shown again (back to its step), until its view shows the end | ${r.output.shownAgainMs} ms, longest stall ${r.output.shownAgainLongestStallMs} ms |
`;
}

async function main(): Promise<void> {
  const config = parseArgs(process.argv.slice(2));
  const result = await run(config);
  await mkdir(config.outDir, { recursive: true });
  const name = config.appDir === root ? 'journal-bench' : 'journal-bench-before';
  await writeFile(path.join(config.outDir, `${name}.json`), JSON.stringify(result, null, 2) + '\n');
  await writeFile(path.join(config.outDir, `${name}.md`), markdown(result));
  console.log(`[bench:journal] wrote ${path.join(config.outDir, name)}.{json,md}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
