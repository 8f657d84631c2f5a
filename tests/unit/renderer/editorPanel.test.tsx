// @vitest-environment happy-dom
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useStore } from 'zustand';
import { describe, expect, it, vi } from 'vitest';
import type { EditorStore } from '../../../renderer/editor/editorStore';
import { EditorFakeApi } from './editorFakeApi';
import { currentStep, renderJournal } from './helpers';

vi.mock('../../../renderer/journal/cells/TerminalView', () => ({ TerminalView: () => <div role="region" aria-label="Output" /> }));
// Monaco stays out of happy-dom: a textarea shows the active tab's text and types into the store.
vi.mock('../../../renderer/editor/EditorPane', () => ({
  EditorPane: ({ store }: { store: EditorStore }) => {
    const tab = useStore(store, (s) => s.tabs.find((t) => t.path === s.activePath));
    return <textarea aria-label="Code" value={tab?.text ?? ''} onChange={(e) => tab && store.getState().edit(tab.path, e.target.value)} />;
  },
}));

async function setup() {
  const fake = new EditorFakeApi();
  const journal = fake.addJournal('J', ['First step']);
  fake.put('src/main.ts', 'let x = 1;');
  fake.put('README.md', '# Hi');
  fake.files = ['README.md', 'src/main.ts'];
  await renderJournal(fake);
  return { fake, journal };
}

const tree = () => screen.getByRole('tree', { name: 'Files' });
const tabList = () => screen.getByRole('tablist', { name: 'Open files' });

async function openFromTree(dir: string | null, name: string) {
  if (dir) fireEvent.click(await within(tree()).findByRole('treeitem', { name: dir }));
  fireEvent.click(await within(tree()).findByRole('treeitem', { name }));
  return within(tabList()).findByRole('tab', { name });
}

describe('editor panel', () => {
  it('lists the workspace lazily and opens a file from the tree into a selected tab', async () => {
    const { fake } = await setup();
    const src = await within(tree()).findByRole('treeitem', { name: 'src' });
    expect(src.getAttribute('aria-expanded')).toBe('false');
    expect(fake.inputsOf('file.list')).toEqual([{ dir: '' }]);

    const tab = await openFromTree('src', 'main.ts');
    expect(src.getAttribute('aria-expanded')).toBe('true');
    expect(fake.inputsOf('file.list')).toEqual([{ dir: '' }, { dir: 'src' }]);
    expect(tab.getAttribute('aria-selected')).toBe('true');
    expect((screen.getByRole('textbox', { name: 'Code' }) as HTMLTextAreaElement).value).toBe('let x = 1;');
  });

  it('Refresh files lists the root and the open folders again, showing files made since', async () => {
    const { fake } = await setup();
    fireEvent.click(await within(tree()).findByRole('treeitem', { name: 'src' }));
    await within(tree()).findByRole('treeitem', { name: 'main.ts' });
    fake.put('src/util.ts', '');
    fake.put('NEW.md', '');
    fireEvent.click(screen.getByRole('button', { name: 'Refresh files' }));
    expect(await within(tree()).findByRole('treeitem', { name: 'util.ts' })).toBeTruthy();
    expect(within(tree()).getByRole('treeitem', { name: 'NEW.md' })).toBeTruthy();
  });

  it('shows a folder that cannot be listed in the tree, not as an app alert', async () => {
    const fake = new EditorFakeApi();
    fake.addJournal('J', ['First step']);
    fake.failNext('file.list', 'Open a workspace folder first.');
    await renderJournal(fake);
    expect(await within(tree()).findByText('Open a workspace folder first.')).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('moves through the tree with the arrow keys and opens with Enter', async () => {
    await setup();
    const src = await within(tree()).findByRole('treeitem', { name: 'src' });
    src.focus();
    fireEvent.keyDown(src, { key: 'ArrowRight' });
    await within(tree()).findByRole('treeitem', { name: 'main.ts' });
    fireEvent.keyDown(src, { key: 'ArrowDown' });
    expect(document.activeElement?.getAttribute('aria-label')).toBe('main.ts');
    fireEvent.keyDown(document.activeElement!, { key: 'Enter' });
    expect(await within(tabList()).findByRole('tab', { name: 'main.ts' })).toBeTruthy();
  });

  it('shows a modified tab by description, keeps its name, and Ctrl+S saves it', async () => {
    const { fake } = await setup();
    const tab = await openFromTree('src', 'main.ts');
    fireEvent.change(screen.getByRole('textbox', { name: 'Code' }), { target: { value: 'let x = 2;' } });
    expect(tab.textContent).toBe('main.ts');
    const describedBy = tab.getAttribute('aria-describedby');
    expect(document.getElementById(describedBy ?? '')?.textContent).toBe('Modified');

    fireEvent.keyDown(window, { key: 's', ctrlKey: true });
    await waitFor(() => expect(fake.disk.get('src/main.ts')?.text).toBe('let x = 2;'));
    await waitFor(() => expect(tab.getAttribute('aria-describedby')).toBeNull());
    expect((screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('Ctrl+P opens quick open; Enter opens the chosen file and Escape closes it', async () => {
    const { fake } = await setup();
    fireEvent.keyDown(window, { key: 'p', ctrlKey: true });
    const dialog = screen.getByRole('dialog', { name: 'Quick open' });
    fireEvent.change(within(dialog).getByRole('combobox', { name: 'File name' }), { target: { value: 'main' } });
    await within(dialog).findByRole('option', { name: 'src/main.ts' });
    expect(fake.inputsOf('workspace.files').at(-1)).toEqual({ query: 'main' });
    fireEvent.keyDown(within(dialog).getByRole('combobox', { name: 'File name' }), { key: 'Enter' });
    expect(screen.queryByRole('dialog', { name: 'Quick open' })).toBeNull();
    expect((await within(tabList()).findByRole('tab', { name: 'main.ts' })).getAttribute('aria-selected')).toBe('true');

    const opener = screen.getByRole('button', { name: 'Open file…' });
    opener.focus();
    fireEvent.keyDown(window, { key: 'p', ctrlKey: true });
    expect(document.activeElement).toBe(screen.getByRole('combobox', { name: 'File name' }));
    fireEvent.keyDown(screen.getByRole('combobox', { name: 'File name' }), { key: 'Escape' });
    expect(screen.queryByRole('dialog', { name: 'Quick open' })).toBeNull();
    expect(document.activeElement).toBe(opener);
  });

  it('a dirty tab keeps its edits when the file changes on disk and offers Reload', async () => {
    const { fake } = await setup();
    await openFromTree('src', 'main.ts');
    fireEvent.change(screen.getByRole('textbox', { name: 'Code' }), { target: { value: 'mine' } });
    act(() => fake.changeOnDisk('src/main.ts', 'theirs'));
    const notice = await screen.findByText(/main\.ts changed on disk\. Your edits are kept\./);
    expect((screen.getByRole('textbox', { name: 'Code' }) as HTMLTextAreaElement).value).toBe('mine');
    fireEvent.click(within(notice.closest('[role="status"]') as HTMLElement).getByRole('button', { name: 'Reload' }));
    await waitFor(() => expect((screen.getByRole('textbox', { name: 'Code' }) as HTMLTextAreaElement).value).toBe('theirs'));
  });

  it('a stale save asks: Overwrite writes the edits over the change on disk', async () => {
    const { fake } = await setup();
    await openFromTree('src', 'main.ts');
    fireEvent.change(screen.getByRole('textbox', { name: 'Code' }), { target: { value: 'mine' } });
    fake.put('src/main.ts', 'theirs');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/changed on disk since it was opened/);
    expect(fake.disk.get('src/main.ts')?.text).toBe('theirs');
    fireEvent.click(within(alert).getByRole('button', { name: 'Overwrite' }));
    await waitFor(() => expect(fake.disk.get('src/main.ts')?.text).toBe('mine'));
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
  });

  it('Attach to step adds the open file to the current step', async () => {
    const { fake, journal } = await setup();
    await openFromTree(null, 'README.md');
    fireEvent.click(screen.getByRole('button', { name: 'Attach to step' }));
    await waitFor(() => expect(currentStep(fake, journal.id).attachments.map((a) => [a.kind, a.source])).toEqual([['workspace-file', 'README.md']]));
    expect(await within(screen.getByRole('complementary', { name: 'Attachments' })).findByText('README.md')).toBeTruthy();
  });

  it('closing a modified tab asks first: Cancel keeps it, Save and close saves, Discard changes drops the edits', async () => {
    const { fake } = await setup();
    await openFromTree('src', 'main.ts');
    const code = () => screen.getByRole('textbox', { name: 'Code' });
    fireEvent.change(code(), { target: { value: 'mine' } });
    fireEvent.click(screen.getByRole('button', { name: 'Close main.ts' }));
    const ask = screen.getByRole('alertdialog', { name: 'Close main.ts' });
    expect(document.activeElement).toBe(within(ask).getByRole('button', { name: 'Save and close' }));
    fireEvent.click(within(ask).getByRole('button', { name: 'Cancel' }));
    expect(within(tabList()).getByRole('tab', { name: 'main.ts' })).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Close main.ts' }));
    fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Save and close' }));
    await waitFor(() => expect(within(tabList()).queryByRole('tab', { name: 'main.ts' })).toBeNull());
    expect(fake.disk.get('src/main.ts')?.text).toBe('mine');

    await openFromTree(null, 'main.ts');
    fireEvent.change(code(), { target: { value: 'dropped' } });
    fireEvent.click(screen.getByRole('button', { name: 'Close main.ts' }));
    fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Discard changes' }));
    expect(within(tabList()).queryByRole('tab', { name: 'main.ts' })).toBeNull();
    expect(fake.disk.get('src/main.ts')?.text).toBe('mine');
  });

  it('moves between tabs with the arrow keys, wrapping around', async () => {
    await setup();
    await openFromTree(null, 'README.md');
    const main = await openFromTree('src', 'main.ts');
    const readme = within(tabList()).getByRole('tab', { name: 'README.md' });
    main.focus();
    fireEvent.keyDown(main, { key: 'ArrowLeft' });
    expect(readme.getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(readme);
    fireEvent.keyDown(readme, { key: 'ArrowLeft' });
    expect(main.getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(main);
  });

  it('closing a tab with its button shows the other one', async () => {
    await setup();
    await openFromTree(null, 'README.md');
    await openFromTree('src', 'main.ts');
    fireEvent.click(screen.getByRole('button', { name: 'Close main.ts' }));
    expect(within(tabList()).queryByRole('tab', { name: 'main.ts' })).toBeNull();
    expect(within(tabList()).getByRole('tab', { name: 'README.md' }).getAttribute('aria-selected')).toBe('true');
  });
});
