import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEdit } from '../../../app/journal/edits';
import { TrustStore } from '../../../main/storage/trustStore';
import { WorkspaceStore } from '../../../main/storage/workspaceStore';
import { useTempDirs } from './tempDirs';

const tempDir = useTempDirs();
const CHILD_SOURCE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'crashSaver.ts');
const KILLS_PER_LANE = 100;
const LANES = 2;
const SEED = 20250125;
const MAX_DELAY_MS = 120;
/** A child that confirms no save by then is killed anyway, and the round reports it. */
const FIRST_SAVE_LIMIT_MS = 60_000;

/** mulberry32: a small seeded generator, so a failing run can be replayed with the same kill delays. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let bundleDir = '';
let child = '';

// The child is bundled once: `node --import tsx` costs ~0.45 s per start on two cores, a bundle ~0.15 s (0.1 s
// of it Node's own start), which is what lets 200 kills fit in the time budget (about 50 s of CPU in all; the
// timeout leaves room for a loaded machine). It runs the very same storage sources.
beforeAll(async () => {
  bundleDir = await mkdtemp(join(tmpdir(), 'steerway-crash-'));
  child = join(bundleDir, 'crashSaver.mjs');
  await build({ entryPoints: [CHILD_SOURCE], outfile: child, bundle: true, platform: 'node', format: 'esm', logLevel: 'warning' });
});

afterAll(async () => {
  await rm(bundleDir, { recursive: true, force: true });
});

interface Round {
  delayMs: number;
  before: number;
  confirmed: number;
  onDisk: number | string;
  /** Whether a restarted app would trust the journal on disk: it must, as only this machine ever wrote it. */
  trusted: boolean | null;
}

/**
 * Starts the child, lets it save for `delayMs` after its first confirmed save, kills it with SIGKILL, and returns the
 * last save it confirmed. Timed from a save, not from the start, so that every kill lands while saves go on,
 * however slow the disk is (each save fsyncs the signatures and the journal).
 */
function runAndKill(workspace: string, journalId: string, userData: string, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const saver = spawn(process.execPath, [child, workspace, journalId, userData], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const kill = () => saver.kill('SIGKILL');
    let timer = setTimeout(kill, FIRST_SAVE_LIMIT_MS);
    let saving = false;
    saver.stdout.setEncoding('utf8').on('data', (data: string) => {
      stdout += data;
      if (saving || !/^saved \d+$/m.test(stdout)) return;
      saving = true;
      clearTimeout(timer);
      timer = setTimeout(kill, delayMs);
    });
    saver.stderr.setEncoding('utf8').on('data', (data: string) => (stderr += data));
    saver.on('error', reject);
    // 'close' comes after stdout has been read to the end, so every "saved" line the child got out is counted.
    saver.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') return reject(new Error(`child ended by itself (code ${code}): ${stderr}`));
      const saved = [...stdout.matchAll(/^saved (\d+)$/gm)].map((m) => Number(m[1]));
      resolve(Math.max(0, ...saved));
    });
  });
}

async function lane(random: () => number, rounds: Round[]): Promise<void> {
  const [workspace, userData] = [await tempDir(), await tempDir()];
  const store = new WorkspaceStore(workspace);
  // Created here, so trusted, as JournalSession.create does.
  const { journal, text } = await store.createJournal('Version 0');
  const trust = new TrustStore(userData);
  await trust.trust(store.journalPath(journal.id), text);
  const saver = store.openSaver(journal);
  trust.followSaves(saver, text, () => true);
  await saver.save(applyEdit(journal, { type: 'addStep', stepId: 's1', title: 'Notes' }));
  let before = 0;
  for (let i = 0; i < KILLS_PER_LANE; i++) {
    const round: Round = { delayMs: Math.round(random() * MAX_DELAY_MS), before, confirmed: -1, onDisk: 'unread', trusted: null };
    rounds.push(round);
    round.confirmed = await runAndKill(workspace, journal.id, userData, round.delayMs);
    try {
      const reopened = await store.readJournal(journal.id);
      round.onDisk = Number(/^Version (\d+)$/.exec(reopened.journal.title)?.[1]);
      // A fresh store reads the signatures from disk, as the app does after the crash.
      round.trusted = await new TrustStore(userData).isTrusted(reopened.path, reopened.text);
    } catch (error) {
      round.onDisk = `unreadable: ${(error as Error).message}`;
    }
    if (failed(round)) return;
    before = round.onDisk as number;
    expect(await readdir(dirname(store.journalPath(journal.id)))).toEqual(['journal.json']);
    // The trust store removed the temp file a kill during its own write left.
    expect((await readdir(userData)).sort()).toEqual(['journal-trust.json', 'journal-trust.key']);
  }
}

function failed(round: Round): boolean {
  return typeof round.onDisk !== 'number' || round.onDisk < round.confirmed || round.trusted !== true;
}

describe('saves killed with SIGKILL', () => {
  it(`reopen with every confirmed save, still trusted, ${LANES * KILLS_PER_LANE} times`, { timeout: 300_000 }, async () => {
    const random = seededRandom(SEED);
    const rounds: Round[][] = Array.from({ length: LANES }, () => []);
    // Lanes draw their delays from one seeded sequence up front, so the delays do not depend on scheduling.
    const delays = Array.from({ length: LANES }, () => Array.from({ length: KILLS_PER_LANE }, random));
    await Promise.all(rounds.map((laneRounds, l) => lane(() => delays[l]!.shift()!, laneRounds)));
    const all = rounds.flat();
    const log = `seed ${SEED}; per lane, rounds as [kill delay ms, version before, last confirmed, version on disk after, trusted]: ${JSON.stringify(
      rounds.map((r) => r.map((x) => [x.delayMs, x.before, x.confirmed, x.onDisk, x.trusted])),
    )}`;
    const bad = all.filter(failed);
    expect(bad, log).toEqual([]);
    expect(all, log).toHaveLength(LANES * KILLS_PER_LANE);
    // The kills must have landed while saves were going on, or the test proves nothing.
    expect(all.filter((r) => r.confirmed <= r.before), log).toEqual([]);
  });
});
