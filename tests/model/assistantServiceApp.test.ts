// The assistant as composed in AppServices (as `npm start -- --model <file.gguf> <workspace>` runs it):
// journal edits reach the background encoding, attachments become documents, the model comes from --model.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EventName } from '../../app/ipc/contract';
import { PtyHost } from '../../main/pty/ptyHost';
import { AppServices } from '../../main/services/appServices';
import { TrustStore } from '../../main/storage/trustStore';
import { waitFor } from '../unit/assistant/fixtures';
import { describeNative, makeModel, tempDir } from './helpers';

describeNative('assistant in AppServices', () => {
  let dir: string;
  let ptyHost: PtyHost;
  let services: AppServices;
  const events: Array<{ event: EventName; payload: unknown }> = [];

  beforeAll(async () => {
    dir = tempDir();
    const workspace = path.join(dir, 'ws');
    fs.mkdirSync(path.join(workspace, 'src'), { recursive: true });
    fs.writeFileSync(path.join(workspace, 'src/util.ts'), 'export function add(a: number, b: number) {\n  return a + b;\n}\n');
    ptyHost = PtyHost.start({});
    services = await AppServices.create({
      workspacePath: workspace,
      userDataDir: path.join(dir, 'user'),
      modelPath: makeModel(dir, { seed: 3 }).path,
      bundledModelPath: null,
      trust: new TrustStore(path.join(dir, 'user')),
      ptyHost,
      emit: (event, payload) => events.push({ event, payload }),
      openExternal: async () => undefined,
    });
  });
  afterAll(async () => {
    await services.dispose();
    await ptyHost.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loads the --model file, encodes the current step on edits, and completes with its documents', async () => {
    const h = services.handlers;
    await waitFor(() => events.some((e) => e.event === 'assistant.status' && (e.payload as { state: string }).state === 'ready'));
    expect(await h['assistant.status']({})).toMatchObject({ state: 'ready', device: 'cpu', model: { origin: 'command-line' } });
    const { journal } = await h['journal.create']({ title: 'Work' });
    await h['journal.edit']({ journalId: journal.id, edit: { type: 'addStep', stepId: 's1', title: 'Add numbers' } });
    await h['journal.edit']({ journalId: journal.id, edit: { type: 'setCurrentStep', stepId: 's1' } });
    await h['attachment.add']({ journalId: journal.id, stepId: 's1', attachment: { kind: 'workspace-file', path: 'src/util.ts' } });
    await h['attachment.add']({ journalId: journal.id, stepId: 's1', attachment: { kind: 'text', title: 'Ticket', text: 'Sum two numbers.' } });
    await waitFor(() => events.some((e) => e.event === 'assistant.encoding' && (e.payload as { done: number; total: number }).done === 3));
    const result = await h['assistant.complete']({ requestId: 'r1', journalId: journal.id, path: 'src/main.ts', prefix: 'const total = add(', suffix: ');\n', multiline: false });
    expect(result.report.documents.map((d) => [d.title, d.kind, d.state])).toEqual([
      ['util.ts', 'workspace-file', 'resident'],
      ['Ticket', 'text', 'resident'],
      ['Add numbers', 'step-notes', 'resident'],
    ]);
    // The editor's unsaved text replaces the file's: its block is new, the others are reused (moved, not recomputed).
    await h['editor.buffer']({ path: 'src/util.ts', text: 'export function add(a: number, b: number, c = 0) {\n  return a + b + c;\n}\n' });
    const edited = await h['assistant.complete']({ requestId: 'r2', journalId: journal.id, path: 'src/main.ts', prefix: 'const total = add(', suffix: ');\n', multiline: false });
    expect(edited.report.documents[0]!.state).toBe('computed');
    expect(['resident', 'shifted']).toContain(edited.report.documents[1]!.state);
  });
});
