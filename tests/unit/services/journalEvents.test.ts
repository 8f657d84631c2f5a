import { describe, expect, it } from 'vitest';
import type { PtyHost } from '../../../main/pty/ptyHost';
import { SteerwayServices } from '../../../main/services/steerwayServices';
import { TrustStore } from '../../../main/storage/trustStore';
import { useTempDirs } from '../storage/tempDirs';

const tempDir = useTempDirs();

// Main's services hear a journal change through a typed event of the journals, not by listening to the
// events main sends the page (which they would also hear for every cell.data chunk).
describe('SteerwayServices.onJournalChanged', () => {
  it('names the journal on each change of an open journal, and stops after its subscription is disposed', async () => {
    const [workspace, userData] = [await tempDir(), await tempDir()];
    const services = new SteerwayServices({
      workspacePath: workspace,
      trust: new TrustStore(userData),
      ptyHost: {} as PtyHost,
      // What the page would get is no business of main's services.
      emit: () => undefined,
      openExternal: () => Promise.resolve(),
    });
    await services.init();
    const changed: string[] = [];
    const subscription = services.onJournalChanged((journalId) => changed.push(journalId));
    try {
      const { journal } = await services.handlers['journal.create']({ title: 'Events' });
      await services.handlers['journal.edit']({ journalId: journal.id, edit: { type: 'setTitle', title: 'Renamed' } });
      expect(changed).toEqual([journal.id]);
      subscription.dispose();
      await services.handlers['journal.edit']({ journalId: journal.id, edit: { type: 'setTitle', title: 'Again' } });
      expect(changed).toEqual([journal.id]);
    } finally {
      await services.dispose();
    }
  });
});
