// The viewer's `attachment.read` asks the same trust gate as the assistant's documents.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NOT_LOADED_UNTIL_TRUSTED } from '../../../app/journal/trust';
import type { PtyHost } from '../../../main/pty/ptyHost';
import { SteerwayServices } from '../../../main/services/steerwayServices';
import { TrustStore } from '../../../main/storage/trustStore';
import { UserFacingError } from '../../../main/transport/dispatcher';

let dir: string;
let journalId: string;
const ids: Record<string, string> = {};
// No cell runs here, so no shell is ever asked for.
const noShells = {} as PtyHost;

const services = (userData: string) =>
  new SteerwayServices({ workspacePath: join(dir, 'ws'), trust: new TrustStore(join(dir, userData)), ptyHost: noShells, emit: () => undefined, openExternal: async () => undefined });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'steerway-attach-trust-'));
  await mkdir(join(dir, 'ws', 'node_modules', 'lib'), { recursive: true });
  await writeFile(join(dir, 'ws', 'node_modules', 'lib', 'README.md'), 'lib readme');
  await writeFile(join(dir, 'secret.txt'), 'a secret');
  // Written on "another machine": a user data folder whose trust key this one does not have.
  const author = services('author');
  await author.init();
  const h = author.handlers;
  const { journal } = await h['journal.create']({ title: 'Cloned' });
  journalId = journal.id;
  await h['journal.edit']({ journalId, edit: { type: 'addStep', stepId: 's1', title: 'Step' } });
  for (const request of [
    { kind: 'file', path: join(dir, 'secret.txt') },
    { kind: 'package-docs', packageName: 'lib' },
    { kind: 'text', title: 'Ticket', text: 'pasted ticket' },
  ] as const) {
    await h['attachment.add']({ journalId, stepId: 's1', attachment: request });
    ids[request.kind] = author.openJournal(journalId)!.steps[0]!.attachments.at(-1)!.id;
  }
  await author.dispose();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('shows an untrusted journal its pasted text only, and the rest once it is trusted', async () => {
  const reader = services('reader');
  await reader.init();
  const h = reader.handlers;
  try {
    expect((await h['journal.open']({ journalId })).trusted).toBe(false);
    for (const kind of ['file', 'package-docs']) {
      const refused = await h['attachment.read']({ journalId, attachmentId: ids[kind]! }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(UserFacingError);
      expect(refused).toMatchObject({ code: 'untrusted', message: NOT_LOADED_UNTIL_TRUSTED });
    }
    expect((await h['attachment.read']({ journalId, attachmentId: ids.text! })).text).toBe('pasted ticket');
    await h['journal.trust']({ journalId });
    expect((await h['attachment.read']({ journalId, attachmentId: ids.file! })).text).toBe('a secret');
    expect((await h['attachment.read']({ journalId, attachmentId: ids['package-docs']! })).text).toContain('lib readme');
  } finally {
    await reader.dispose();
  }
});
