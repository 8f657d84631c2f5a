import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { EventName, EventPayload } from '../../../app/ipc/contract';
import type { FileHandle } from 'node:fs/promises';
import type { CommandResult, PtyHost, ShellSession } from '../../../main/pty/ptyHost';
import { SteerwayServices } from '../../../main/services/steerwayServices';
import { TrustStore } from '../../../main/storage/trustStore';
import { OutputWriter, WorkspaceStore } from '../../../main/storage/workspaceStore';
import type { EventSink } from '../../../main/transport/dispatcher';
import { useTempDirs } from '../storage/tempDirs';

const tempDir = useTempDirs();

/** The journal side of the app over a temp workspace, with a pty host that must not be needed. */
async function setup() {
  const [workspace, userData, outside] = [await tempDir(), await tempDir(), await tempDir()];
  const events: Array<{ event: EventName; payload: unknown }> = [];
  const waiters: Array<() => void> = [];
  const emit: EventSink = (event, payload) => {
    events.push({ event, payload });
    for (const wake of waiters.splice(0)) wake();
  };
  /** Resolves with the first `event` emitted (now or later) that matches. */
  async function eventOf<E extends EventName>(event: E, matches: (payload: EventPayload<E>) => boolean = () => true): Promise<EventPayload<E>> {
    for (;;) {
      const found = events.find((e) => e.event === event && matches(e.payload as EventPayload<E>));
      if (found) return found.payload as EventPayload<E>;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  }
  const createShell = vi.fn((): Promise<ShellSession> => Promise.reject(new Error('no shell in this test')));
  const services = new SteerwayServices({
    workspacePath: workspace,
    trust: new TrustStore(userData),
    ptyHost: { createShell } as unknown as PtyHost,
    emit,
    openExternal: () => Promise.resolve(),
  });
  await services.init();
  const h = services.handlers;
  const { journal } = await h['journal.create']({ title: 'Storage' });
  const store = new WorkspaceStore(workspace);
  return { workspace, userData, outside, services, h, journalId: journal.id, store, events, eventOf, createShell };
}

describe.skipIf(process.platform === 'win32')('journal services and links from a clone', () => {
  it('refuses to export through a linked exports folder, and exports normally otherwise', async () => {
    const { h, journalId, store, outside } = await setup();
    await symlink(outside, join(store.root, 'exports'));
    await expect(h['journal.export']({ journalId })).rejects.toMatchObject({ code: 'bad-path', message: expect.stringContaining('is a symbolic link') });
    expect(await readdir(outside)).toEqual([]);
    const other = await setup();
    const { path, markdown } = await other.h['journal.export']({ journalId: other.journalId });
    expect(path).toBe(join(other.store.root, 'exports', 'storage.md'));
    expect(await readFile(path, 'utf8')).toBe(markdown);
  });

  it('fails a cell visibly when its output cannot be written, and lets it be deleted', async () => {
    const { h, services, journalId, store, outside, eventOf, createShell } = await setup();
    await h['journal.edit']({ journalId, edit: { type: 'addStep', stepId: 's1', title: 'Step' } });
    await h['journal.edit']({ journalId, edit: { type: 'addCell', stepId: 's1', cellId: 'c1', command: 'echo hi' } });
    await writeFile(join(outside, '.victim.0123456789abcdef.tmp'), 'not ours');
    await symlink(outside, join(dirname(store.journalPath(journalId)), 'outputs'));
    const { runId } = await h['cell.run']({ journalId, cellId: 'c1' });
    const finished = await eventOf('cell.finished', (e) => e.run.runId === runId);
    // Failed (no exit code), but finished: not "running" forever.
    expect(finished.run).toMatchObject({ exitCode: null, outputBytes: 0 });
    expect(finished.run.durationMs).toEqual(expect.any(Number));
    const error = await eventOf('cell.data', (e) => e.runId === runId);
    expect(error.data).toContain('is a symbolic link');
    expect((await h['journal.open']({ journalId })).runningCellId).toBeNull();
    expect(services.openJournal(journalId)?.steps[0]?.cells[0]?.lastRun?.durationMs).toEqual(expect.any(Number));
    expect(createShell).not.toHaveBeenCalled();
    await h['journal.edit']({ journalId, edit: { type: 'deleteCell', cellId: 'c1' } });
    expect(services.openJournal(journalId)?.steps[0]?.cells).toEqual([]);
    expect(await readdir(outside)).toEqual(['.victim.0123456789abcdef.tmp']);
  });

  it('searches and exports a journal whose outputs folder is a link, reading nothing through it', async () => {
    const { h, journalId, store, outside } = await setup();
    await h['journal.edit']({ journalId, edit: { type: 'addStep', stepId: 's1', title: 'Secret step' } });
    await h['journal.edit']({ journalId, edit: { type: 'addCell', stepId: 's1', cellId: 'c1', command: 'cat secret' } });
    await writeFile(join(outside, 'c1.log'), 'secret from outside the workspace');
    await symlink(outside, join(dirname(store.journalPath(journalId)), 'outputs'));
    const hits = await h['journal.search']({ journalId, query: 'secret' });
    expect(hits.map((hit) => hit.field).sort()).toEqual(['command', 'title']);
    const { markdown } = await h['journal.export']({ journalId });
    expect(markdown).toContain('cat secret');
    expect(markdown).not.toContain('from outside');
  });
});

describe('undo of a deleted cell or removed attachment', () => {
  it('keeps their files until the undo has passed, and deletes them when the journal closes', async () => {
    const { h, services, journalId, store } = await setup();
    await h['journal.edit']({ journalId, edit: { type: 'addStep', stepId: 's1', title: 'Step' } });
    await h['journal.edit']({ journalId, edit: { type: 'addCell', stepId: 's1', cellId: 'c1', command: 'echo hi' } });
    await mkdir(dirname(store.outputPath(journalId, 'c1')), { recursive: true });
    await writeFile(store.outputPath(journalId, 'c1'), 'hi\n');
    const { attachment } = (await h['attachment.add']({ journalId, stepId: 's1', attachment: { kind: 'text', title: 'Log', text: 'the log' } })).change as { attachment: { id: string } };
    const cell = services.openJournal(journalId)!.steps[0]!.cells[0]!;
    const saved = services.openJournal(journalId)!.steps[0]!.attachments[0]!;

    await h['journal.edit']({ journalId, edit: { type: 'deleteCell', cellId: 'c1' } });
    await h['journal.edit']({ journalId, edit: { type: 'removeAttachment', attachmentId: attachment.id } });
    await h['journal.edit']({ journalId, edit: { type: 'restoreCell', stepId: 's1', cell, index: 0 } });
    await h['journal.edit']({ journalId, edit: { type: 'restoreAttachment', stepId: 's1', attachment: saved, index: 0, pinnedBy: [] } });
    expect(await h['cell.output']({ journalId, cellId: 'c1' })).toEqual({ output: 'hi\n', truncated: false });
    expect(await store.readAttachmentText(journalId, attachment.id)).toBe('the log');

    // Deleted again and not undone: closing the journal does not leave them behind.
    await h['journal.edit']({ journalId, edit: { type: 'deleteCell', cellId: 'c1' } });
    await h['journal.edit']({ journalId, edit: { type: 'removeAttachment', attachmentId: attachment.id } });
    expect(await store.readOutput(journalId, 'c1')).not.toBeNull();
    await services.dispose();
    expect(await store.readOutput(journalId, 'c1')).toBeNull();
    expect(await store.readAttachmentText(journalId, attachment.id)).toBeNull();
  });
});

describe('cell runs', () => {
  it('fails a cell visibly when writing its output fails during the run', async () => {
    const { h, journalId, eventOf, createShell } = await setup();
    await h['journal.edit']({ journalId, edit: { type: 'addStep', stepId: 's1', title: 'Step' } });
    await h['journal.edit']({ journalId, edit: { type: 'addCell', stepId: 's1', cellId: 'c1', command: 'echo hello' } });
    const shell = {
      run: (_command: string, onData: (data: string) => void): Promise<CommandResult> => {
        onData('hello\r\n');
        return Promise.resolve({ exitCode: 0, cwd: '/', durationMs: 1, interrupted: false });
      },
      onExit: () => ({ dispose: () => undefined }),
      dispose: () => Promise.resolve(),
    };
    createShell.mockResolvedValueOnce(shell as unknown as ShellSession);
    const diskFull = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const handle = { writeFile: () => Promise.reject(diskFull), sync: () => Promise.resolve(), close: () => Promise.resolve() };
    const openOutput = vi
      .spyOn(WorkspaceStore.prototype, 'openOutput')
      .mockImplementationOnce(async () => new OutputWriter(handle as unknown as FileHandle, 'c1.log'));
    try {
      const { runId } = await h['cell.run']({ journalId, cellId: 'c1' });
      const finished = await eventOf('cell.finished', (e) => e.run.runId === runId);
      // The command ran, but its output is not stored whole: the run is not recorded as a success.
      expect(finished.run.exitCode).toBeNull();
      expect((await eventOf('cell.data', (e) => e.data.includes('[steerway]'))).data).toContain('no space left on device');
      expect((await h['journal.open']({ journalId })).runningCellId).toBeNull();
    } finally {
      openOutput.mockRestore();
    }
  });
});

describe('journal trust across sessions', () => {
  it('does not re-sign a journal that changed elsewhere after this machine closed it', async () => {
    const { h, journalId, store, userData } = await setup();
    await h['journal.edit']({ journalId, edit: { type: 'setTitle', title: 'Mine' } });
    await h['journal.close']({ journalId });
    const path = store.journalPath(journalId);
    await writeFile(path, (await readFile(path, 'utf8')).replace('"Mine"', '"Pulled from a clone"'));
    expect((await h['journal.open']({ journalId })).trusted).toBe(false);
    // Editing it saves it; the earlier (trusted) session of the same journal must not sign that save.
    await h['journal.edit']({ journalId, edit: { type: 'setTitle', title: 'Edited, still not trusted' } });
    await h['journal.close']({ journalId });
    const reread = await store.readJournal(journalId);
    expect(reread.journal.title).toBe('Edited, still not trusted');
    expect(await new TrustStore(userData).isTrusted(reread.path, reread.text)).toBe(false);
    expect((await h['journal.open']({ journalId })).trusted).toBe(false);
  });
});

describe('workspace info', () => {
  it('lists journals in folders named for devices as broken, and still opens the rest', async () => {
    const { h, journalId, store } = await setup();
    for (const name of ['Aux', 'con']) {
      await mkdir(join(store.root, 'journals', name));
      await writeFile(join(store.root, 'journals', name, 'journal.json'), await readFile(store.journalPath(journalId)));
    }
    const info = await h['workspace.info']({});
    expect(info.journals.map((j) => [j.id, j.problem === null]).sort()).toEqual([['Aux', false], ['con', false], [journalId, true]].sort());
    expect((await h['journal.open']({ journalId })).journal.title).toBe('Storage');
  });
});
