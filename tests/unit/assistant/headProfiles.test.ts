import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PATTERN_NAMES } from '../../../assistant/analysis';
import { HeadProfileError, headProfilePath, type HeadProfile } from '../../../assistant/heads/profile';
import { AssistantService } from '../../../main/assistant/assistantService';
import type { EngineClientLike, EngineClientState } from '../../../main/assistant/engineClient';
import { readHeadProfile } from '../../../main/assistant/headProfiles';
import { EventLog, FakeBuffers, FakeModels } from './fixtures';

const IDENTITY = 'a1'.repeat(32);

/** 2 layers x 2 heads; `top1` per pattern in layer-then-head order (0 where not given). */
function profile(top1: Partial<Record<(typeof PATTERN_NAMES)[number], number[]>> = {}, identity = IDENTITY): HeadProfile {
  const patterns = Object.fromEntries(
    PATTERN_NAMES.map((p) => [p, { rows: 12, heads: [0, 1, 2, 3].map((i) => ({ layer: i >> 1, head: i & 1, mass: 0.25, top1: top1[p]?.[i] ?? 0 })) }]),
  ) as HeadProfile['patterns'];
  return { version: 1, model: { identity, name: 'tiny', nLayer: 2, nHead: 2, nHeadKv: 2 }, files: { count: 3, tokens: 400 }, patterns };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'steerway-heads-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(file: string, content: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
}

describe('reading a head profile', () => {
  it('gives null when the model has none', async () => {
    expect(await readHeadProfile(join(dir, 'heads', `${IDENTITY}.json`), IDENTITY)).toBeNull();
  });

  it('reads a valid profile as it was written', async () => {
    const file = join(dir, 'p.json');
    const written = profile({ 'previous-token': [0.9, 0.1, 0.2, 0.3] });
    await write(file, written);
    expect(await readHeadProfile(file, IDENTITY)).toEqual(written);
  });

  it('reads the profile steerway heads wrote for the shipped model (results/heads), chance levels included', async () => {
    const file = fileURLToPath(new URL('../../../results/heads/steerway-coder.json', import.meta.url));
    const written = JSON.parse(await readFile(file, 'utf8')) as HeadProfile;
    const read = await readHeadProfile(file, written.model.identity);
    expect(read).toEqual(written);
    expect(Object.keys(read!.patterns).sort()).toEqual([...PATTERN_NAMES].sort());
  });

  it('refuses a broken file with one line naming the file and what is wrong', async () => {
    const file = join(dir, 'p.json');
    const cases: Array<[unknown, RegExp]> = [
      ['{"version": 1, "model": ', /not JSON/],
      [{ ...profile(), version: 2 }, /version/],
      [{ ...profile(), files: { count: -1, tokens: 3 } }, /files\.count/],
      [profile({}, 'b2'.repeat(32)), /another model, b2b2b2b2b2b2/],
      [{ ...profile(), patterns: { ...profile().patterns, sink: undefined } }, /no scores for sink/],
      [{ ...profile(), patterns: { ...profile().patterns, bracket: { rows: 1, heads: [{ layer: 2, head: 0, mass: 0, top1: 0 }] } } }, /bracket scores head 2\.0, outside the model's 2 layers x 2 heads/],
      [{ ...profile(), patterns: { ...profile().patterns, induction: { rows: 1, heads: [{ layer: 0, head: 0, mass: 1.5, top1: 0 }] } } }, /mass/],
    ];
    for (const [content, why] of cases) {
      await write(file, content);
      const error = await readHeadProfile(file, IDENTITY).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HeadProfileError);
      expect((error as Error).message).toMatch(why);
      expect((error as Error).message).toContain(file);
      expect((error as Error).message).not.toContain('\n');
    }
  });
});

/** An engine that has (or has not) loaded a model of `identity`. */
function engine(state: EngineClientState): EngineClientLike {
  return {
    state: () => state,
    onStateChange: () => () => undefined,
    configure: async () => undefined,
    complete: () => Promise.reject(new Error('not used')),
    warm: () => Promise.reject(new Error('not used')),
    cancel: () => undefined,
    dispose: async () => undefined,
  };
}

function service(state: EngineClientState) {
  const journals = { journal: () => null, attachmentText: async () => null, trusted: () => true, workspaceRoot: () => null };
  return new AssistantService({
    journals, buffers: new FakeBuffers(), models: new FakeModels('/models/tiny.gguf'), engine: engine(state), emit: new EventLog().emit, userDataDir: dir,
  });
}

describe('heads.profile', () => {
  const ready: EngineClientState = { state: 'ready', device: 'cpu', message: null, contextLength: 2048, identity: IDENTITY };

  it('reads the profile of the loaded model from the engine cache folder and says which heads auto replaces', async () => {
    const written = profile({ 'previous-token': [0.9, 0.1, 0.2, 0.6], sink: [0.95, 0.1, 0.3, 0.1] });
    const file = headProfilePath(join(dir, 'kv-cache'), IDENTITY);
    await write(file, written);
    const view = await service(ready).handlers['heads.profile']({});
    expect(view).toEqual({
      modelPath: '/models/tiny.gguf',
      profilePath: file,
      profile: written,
      chosen: [{ layer: 0, head: 0, pattern: 'sink' }, { layer: 1, head: 1, pattern: 'previous-token' }],
      threshold: 0.5,
    });
  });

  it('answers no profile (and no heads) when none was written, with the model path for the hint', async () => {
    const view = await service(ready).handlers['heads.profile']({});
    expect(view).toMatchObject({ modelPath: '/models/tiny.gguf', profile: null, chosen: [] });
  });

  it('refuses while no model is loaded, and a broken profile with a user-facing error', async () => {
    await expect(service({ state: 'loading', device: 'cpu', message: null }).handlers['heads.profile']({})).rejects.toMatchObject({ code: 'not-ready' });
    await write(headProfilePath(join(dir, 'kv-cache'), IDENTITY), '[]');
    await expect(service(ready).handlers['heads.profile']({})).rejects.toMatchObject({ code: 'bad-profile', message: expect.stringMatching(/is broken/) });
  });
});
