import type { Locator } from '@playwright/test';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from './fixtures';

// The security report's repro (V2): shown raw, Chromium lays this out as `echo hello # ; touch pwned-bidi;:`,
// which reads as a comment; bash runs the touch.
const TROJAN = 'echo hello \u202E\u2066; touch pwned-bidi;:\u2069 \u2066#\u2069\u202C';
const SHOWN = 'echo hello ⟨U+202E⟩⟨U+2066⟩; touch pwned-bidi;:⟨U+2069⟩ ⟨U+2066⟩#⟨U+2069⟩⟨U+202C⟩';

const journal = {
  schemaVersion: 1,
  id: 'bidi',
  title: 'Bidi journal',
  createdAt: '2026-01-01T00:00:00.000Z',
  currentStepId: 'step-1',
  steps: [{ id: 'step-1', title: 'Setup', status: 'todo', notes: '', cells: [{ id: 'cell-1', command: TROJAN, collapsed: false, lastRun: null }], attachments: [] }],
};

/** Which of `touch` and `#` a reader meets first in an element's layout: the upper line, then the left. */
function layoutOrder(element: Locator) {
  return element.evaluate((root) => {
    const box = (needle: string): DOMRect => {
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = node.textContent!.indexOf(needle);
        if (at < 0) continue;
        const range = document.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + needle.length);
        return range.getBoundingClientRect();
      }
      throw new Error(`no ${needle}`);
    };
    const [touch, hash] = [box('touch'), box('#')];
    const touchFirst = touch.bottom <= hash.top || (touch.top < hash.bottom && touch.left < hash.left);
    return touchFirst ? 'touch before #' : '# before touch';
  });
}

test('a Trojan Source command shows its bidi controls as code points and reads in the order it runs', async ({ page, app }) => {
  const dir = join(app.workspace, '.steerway', 'journals', 'bidi');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'journal.json'), JSON.stringify(journal, null, 2));
  await page.goto(await app.restart());
  await page.getByLabel('Journal').selectOption({ label: 'Bidi journal' });

  await expect(page.getByRole('alert')).toContainText('This journal contains hidden or bidirectional characters in 1 command; they are shown as ⟨U+202E⟩.');
  const command = page.getByRole('group', { name: `Cell: ${SHOWN}` }).locator('.cell-command');
  await expect(command).toHaveText(`$${SHOWN}`);
  await expect(command.locator('.invisible-char.bidi')).toHaveCount(6);
  expect(await layoutOrder(command)).toBe('touch before #');

  // The same text shown raw in this browser: the measurement sees the attack.
  const raw = await page.evaluateHandle((text) => {
    const pre = document.createElement('pre');
    pre.textContent = text;
    document.body.append(pre);
    return pre;
  }, TROJAN);
  expect(await layoutOrder(page.locator('body > pre').last())).toBe('# before touch');
  await raw.dispose();
});
