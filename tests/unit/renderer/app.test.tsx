// @vitest-environment happy-dom
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { FakeApi } from './fakeApi';
import { renderApp, renderJournal } from './helpers';

vi.mock('../../../renderer/journal/cells/TerminalView', () => ({ TerminalView: () => <div role="region" aria-label="Output" /> }));

describe('workspace and journals', () => {
  it('asks for a folder when no workspace is open', async () => {
    const fake = new FakeApi();
    fake.workspacePath = null;
    await renderApp(fake);

    fireEvent.change(screen.getByRole('textbox', { name: 'Folder path' }), { target: { value: '/home/me/app' } });
    fireEvent.click(screen.getByRole('button', { name: 'Open' }));

    await waitFor(() => expect(fake.inputsOf('workspace.open')).toEqual([{ path: '/home/me/app' }]));
    expect(await screen.findByRole('textbox', { name: 'Journal title' })).toBeTruthy();
  });

  it('opens another folder from Change folder, or goes back with Cancel', async () => {
    const fake = new FakeApi();
    fake.addJournal('J', ['Step']);
    await renderJournal(fake);

    fireEvent.click(screen.getByRole('button', { name: 'Change folder' }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.getByRole('list', { name: 'Steps' })).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Change folder' }));
    fireEvent.change(screen.getByRole('textbox', { name: 'Folder path' }), { target: { value: '/elsewhere' } });
    fireEvent.click(screen.getByRole('button', { name: 'Open' }));

    await waitFor(() => expect(fake.inputsOf('workspace.open')).toEqual([{ path: '/elsewhere' }]));
    expect(await screen.findByRole('list', { name: 'Steps' })).toBeTruthy();
  });

  it('shows the create form directly in a workspace without journals, and opens the new journal', async () => {
    const fake = new FakeApi();
    await renderApp(fake);

    fireEvent.change(screen.getByRole('textbox', { name: 'Journal title' }), { target: { value: 'Fix login' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));

    await screen.findByRole('list', { name: 'Steps' });
    const picker = screen.getByRole('combobox', { name: 'Journal' }) as HTMLSelectElement;
    expect(picker.selectedOptions[0]?.textContent).toBe('Fix login');
  });

  it('lists the journals by title and switches between them', async () => {
    const fake = new FakeApi();
    fake.addJournal('First', ['Alpha']);
    const second = fake.addJournal('Second', ['Beta']);
    await renderJournal(fake);
    const picker = screen.getByRole('combobox', { name: 'Journal' });
    expect(within(picker).getAllByRole('option').map((o) => o.textContent)).toEqual(['First', 'Second']);

    fireEvent.change(picker, { target: { value: second.id } });

    expect(await screen.findByRole('listitem', { name: 'Beta' })).toBeTruthy();
  });

  it('creates another journal from the New journal button', async () => {
    const fake = new FakeApi();
    fake.addJournal('First', ['Alpha']);
    await renderJournal(fake);

    fireEvent.click(screen.getByRole('button', { name: 'New journal' }));
    fireEvent.change(screen.getByRole('textbox', { name: 'Journal title' }), { target: { value: 'Second' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));

    await waitFor(() => expect(fake.inputsOf('journal.create')).toEqual([{ title: 'Second' }]));
    await waitFor(() => expect((screen.getByRole('combobox', { name: 'Journal' }) as HTMLSelectElement).selectedOptions[0]?.textContent).toBe('Second'));
  });

  it('lists journals that cannot be opened, with their problem, while another one is open', async () => {
    const fake = new FakeApi();
    fake.addJournal('broken', [], { problem: 'Cannot open /ws/.steerway/journals/broken/journal.json: Unexpected end of JSON input' });
    fake.addJournal('Good', ['Works']);
    await renderJournal(fake);

    expect(screen.getByText(/broken.*journal\.json: Unexpected end of JSON input/)).toBeTruthy();
    expect(screen.getByRole('listitem', { name: 'Works' })).toBeTruthy();
  });

  it('gives the Journal label to the picker alone, whatever else on screen says "journal"', async () => {
    const fake = new FakeApi();
    const journal = fake.addJournal('Shared', ['Step'], { trusted: false });
    const step = fake.journal(journal.id).steps[0]!;
    step.cells.push({ id: 'cell-1', command: 'touch pwned-by-journal', collapsed: false, lastRun: null });
    step.attachments.push({ id: 'a-1', kind: 'text', title: 'journal notes', source: '', sizeBytes: 1, addedAt: '2025-01-01T00:00:00.000Z' });
    await renderJournal(fake);
    expect(screen.getByRole('group', { name: 'Cell: touch pwned-by-journal' })).toBeTruthy();
    expect(screen.getByRole('listitem', { name: 'journal notes' })).toBeTruthy();

    // Playwright's getByLabel('Journal') matches labels and aria-labels containing the word; only the picker may.
    const labelled = [...document.querySelectorAll('[aria-label], label')].filter((element) => /journal/i.test(element.getAttribute('aria-label') ?? element.textContent ?? ''));
    expect(labelled.map((element) => element.textContent)).toEqual(['Journal']);
    expect(screen.getByRole('searchbox', { name: 'Search journal' })).toBeTruthy();
  });

  it('names a journal that cannot be opened and its problem, and the others still open', async () => {
    const fake = new FakeApi();
    const broken = fake.addJournal('Broken', [], { problem: '.steerway/journals/broken.json: invalid JSON at line 3' });
    const good = fake.addJournal('Good', ['Works']);
    fake.windowState = { ...fake.windowState, lastJournalId: broken.id };
    await renderApp(fake);
    fireEvent.change(screen.getByRole('combobox', { name: 'Journal' }), { target: { value: broken.id } });

    const problem = await screen.findByRole('alert');
    expect(problem.textContent).toContain('Broken');
    expect(problem.textContent).toContain('.steerway/journals/broken.json: invalid JSON at line 3');

    fireEvent.change(screen.getByRole('combobox', { name: 'Journal' }), { target: { value: good.id } });
    expect(await screen.findByRole('listitem', { name: 'Works' })).toBeTruthy();
  });
});

describe('errors', () => {
  it('shows a failed call as a dismissible alert and keeps working', async () => {
    const fake = new FakeApi();
    fake.addJournal('J', ['Step']);
    await renderJournal(fake);
    fake.failNext('journal.edit', 'The journal file is read-only');

    fireEvent.click(screen.getByRole('button', { name: 'Add step' }));

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The journal file is read-only');
    fireEvent.click(within(alert).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('alert')).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Add step' }));
    expect(await screen.findByRole('listitem', { name: 'New step' })).toBeTruthy();
  });
});

describe('search and export', () => {
  it('searches after a pause and shows the step of a clicked hit with its cell', async () => {
    const fake = new FakeApi();
    const journal = fake.addJournal('J', ['Setup', 'Deploy']);
    const stored = fake.journal(journal.id);
    stored.steps[1]!.cells.push({ id: 'cell-1', command: 'kubectl rollout status', collapsed: false, lastRun: null });
    await renderJournal(fake);

    fireEvent.change(screen.getByRole('searchbox', { name: 'Search journal' }), { target: { value: 'rollout' } });
    expect(fake.inputsOf('journal.search')).toEqual([]);
    const results = await screen.findByRole('list', { name: 'Search results' });
    expect(fake.inputsOf('journal.search')).toEqual([{ journalId: journal.id, query: 'rollout' }]);
    fireEvent.click(within(results).getByRole('button', { name: /Deploy · command/ }));

    await waitFor(() => expect(screen.getByRole('listitem', { name: 'Deploy' }).getAttribute('aria-current')).toBe('step'));
    const cell = screen.getByRole('group', { name: 'Cell: kubectl rollout status' });
    await waitFor(() => expect(document.activeElement).toBe(cell));
    expect(cell.className).toContain('highlighted');
    expect(screen.queryByRole('list', { name: 'Search results' })).toBeNull();
  });

  it('closes the results when focus leaves the search', async () => {
    const fake = new FakeApi();
    fake.addJournal('J', ['Setup']);
    await renderJournal(fake);
    const search = screen.getByRole('searchbox', { name: 'Search journal' });
    fireEvent.change(search, { target: { value: 'setup' } });
    await screen.findByRole('list', { name: 'Search results' });

    fireEvent.blur(search, { relatedTarget: screen.getByRole('button', { name: 'Add step' }) });
    expect(screen.queryByRole('list', { name: 'Search results' })).toBeNull();

    fireEvent.focus(search);
    expect(screen.getByRole('list', { name: 'Search results' })).toBeTruthy();
    fireEvent.keyDown(search, { key: 'Escape' });
    expect(screen.queryByRole('list', { name: 'Search results' })).toBeNull();
  });

  it('says when nothing matches', async () => {
    const fake = new FakeApi();
    fake.addJournal('J', ['Setup']);
    await renderJournal(fake);

    fireEvent.change(screen.getByRole('searchbox', { name: 'Search journal' }), { target: { value: 'zzz' } });

    const results = await screen.findByRole('list', { name: 'Search results' });
    expect(results.textContent).toBe('No matches');
  });

  it('exports the journal and shows the path written', async () => {
    const fake = new FakeApi();
    fake.addJournal('J', ['Setup']);
    await renderJournal(fake);

    fireEvent.click(screen.getByRole('button', { name: 'Export' }));

    const notice = await screen.findByRole('status');
    expect(notice.textContent).toContain('/work/project/journal-export.md');
  });
});

describe('attachments', () => {
  async function setup() {
    const fake = new FakeApi();
    const journal = fake.addJournal('J', ['Investigate']);
    await renderJournal(fake);
    const panel = screen.getByRole('complementary', { name: 'Attachments' });
    return { fake, journal, panel };
  }

  function attach(panel: HTMLElement, kind: string, fields: Record<string, string>) {
    fireEvent.click(within(panel).getByRole('button', { name: 'Attach' }));
    fireEvent.change(within(panel).getByRole('combobox', { name: 'Attachment kind' }), { target: { value: kind } });
    for (const [label, value] of Object.entries(fields)) fireEvent.change(within(panel).getByLabelText(label), { target: { value } });
    fireEvent.click(within(panel).getByRole('button', { name: 'Add attachment' }));
  }

  it('adds pasted text, lists it with kind and size, opens it in a dialog and removes it', async () => {
    const { fake, journal, panel } = await setup();

    attach(panel, 'text', { Title: 'TICKET-7', Text: 'Login fails on Safari' });

    const item = await within(panel).findByRole('listitem', { name: 'TICKET-7' });
    expect(fake.inputsOf('attachment.add')).toMatchObject([{ journalId: journal.id, attachment: { kind: 'text', title: 'TICKET-7', text: 'Login fails on Safari' } }]);
    expect(item.textContent).toContain('Text');
    expect(item.textContent).toContain('21 B');

    fireEvent.click(within(item).getByRole('button', { name: 'Open' }));
    const dialog = await screen.findByRole('dialog', { name: 'TICKET-7' });
    expect(dialog.textContent).toContain('Login fails on Safari');
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Close' }));
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(within(item).getByRole('button', { name: 'Open' }));

    fireEvent.click(within(item).getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(within(panel).queryByRole('listitem', { name: 'TICKET-7' })).toBeNull());
    expect(fake.editsOf('removeAttachment')).toHaveLength(1);
  });

  it('closes the form with Cancel or Escape, adding nothing', async () => {
    const { fake, panel } = await setup();

    fireEvent.click(within(panel).getByRole('button', { name: 'Attach' }));
    fireEvent.click(within(panel).getByRole('button', { name: 'Cancel' }));
    fireEvent.click(within(panel).getByRole('button', { name: 'Attach' }));
    fireEvent.keyDown(within(panel).getByLabelText('Path'), { key: 'Escape' });

    expect(within(panel).queryByRole('button', { name: 'Add attachment' })).toBeNull();
    expect(fake.inputsOf('attachment.add')).toEqual([]);
  });

  it('adds a local file by its absolute path', async () => {
    const { fake, panel } = await setup();

    attach(panel, 'file', { Path: '/var/log/app.log' });

    expect(await within(panel).findByRole('listitem', { name: 'app.log' })).toBeTruthy();
    expect(fake.inputsOf('attachment.add')).toMatchObject([{ attachment: { kind: 'file', path: '/var/log/app.log' } }]);
  });

  it('picks a workspace file from the filtered list', async () => {
    const { fake, panel } = await setup();
    fake.files = ['src/app.ts', 'src/login.ts', 'README.md'];
    fireEvent.click(within(panel).getByRole('button', { name: 'Attach' }));
    fireEvent.change(within(panel).getByRole('combobox', { name: 'Attachment kind' }), { target: { value: 'workspace-file' } });

    fireEvent.change(within(panel).getByLabelText('Path'), { target: { value: 'login' } });
    const files = await within(panel).findByRole('list', { name: 'Workspace files' });
    await waitFor(() => expect(within(files).getAllByRole('button').map((b) => b.textContent)).toEqual(['src/login.ts']));
    fireEvent.click(within(files).getByRole('button', { name: 'src/login.ts' }));
    fireEvent.click(within(panel).getByRole('button', { name: 'Add attachment' }));

    await within(panel).findByRole('listitem', { name: 'login.ts' });
    expect(fake.inputsOf('attachment.add')).toMatchObject([{ attachment: { kind: 'workspace-file', path: 'src/login.ts' } }]);
    expect(fake.inputsOf('workspace.files').at(-1)).toEqual({ query: 'login' });
  });

  it('opens a URL attachment in a new tab (browser mode)', async () => {
    const opened = vi.spyOn(window, 'open').mockReturnValue(null);
    const { fake, panel } = await setup();
    attach(panel, 'url', { URL: 'https://example.com/issue/7', Title: 'Issue 7' });
    const item = await within(panel).findByRole('listitem', { name: 'Issue 7' });
    expect(item.textContent).toContain('URL');
    expect(item.textContent).not.toMatch(/\d B/);

    fireEvent.click(within(item).getByRole('button', { name: 'Open' }));

    expect(opened).toHaveBeenCalledWith('https://example.com/issue/7', '_blank', 'noopener,noreferrer');
    opened.mockRestore();
    expect(fake.inputsOf('attachment.read')).toEqual([]);
  });
});
