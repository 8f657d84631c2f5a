import { describe, expect, it } from 'vitest';
import { fitPanes, loadChosenSizes, maxSize, PANES, saveChosenSize } from '../../../../renderer/app/layout/paneSizes';

class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem = (key: string) => this.items.get(key) ?? null;
  setItem = (key: string, value: string) => void this.items.set(key, value);
}

describe('pane sizes', () => {
  it('gives the journal most of a wide window and sizes the rest from there', () => {
    const sizes = fitPanes({}, { width: 1440, height: 850 });
    expect(sizes.journal).toBe(864);
    expect(sizes.steps).toBe(220);
    expect(sizes.files).toBe(180);
  });

  it('keeps what the user chose where there is room', () => {
    const chosen = { journal: 1000, steps: 300, files: 200, attachments: 250, inspector: 200 };
    expect(fitPanes(chosen, { width: 1440, height: 850 })).toEqual(chosen);
  });

  it('squeezes chosen sizes into a narrow window, leaving each neighbour its minimum, and gives them back when it widens', () => {
    const chosen = { journal: 1200, steps: 700, files: 500 };
    const narrow = fitPanes(chosen, { width: 1024, height: 650 });
    expect(narrow.journal).toBe(1024 - 300);
    expect(narrow.steps).toBe(narrow.journal - 340);
    expect(narrow.files).toBe(150);
    expect(fitPanes(chosen, { width: 2400, height: 1000 })).toMatchObject(chosen);
  });

  it('never goes under a pane minimum, even in a window too small for all of them', () => {
    const sizes = fitPanes({ journal: 10, steps: 1, files: 1, attachments: 1, inspector: 1 }, { width: 500, height: 100 });
    for (const pane of Object.keys(PANES) as (keyof typeof PANES)[]) expect(sizes[pane], pane).toBe(PANES[pane].min);
  });

  it('says how large each pane can grow in this room', () => {
    expect(maxSize('journal', {}, { width: 1440, height: 850 })).toBe(1140);
    expect(maxSize('attachments', {}, { width: 1440, height: 850 })).toBe(710);
  });

  it('remembers sizes per pane and ignores what it cannot read', () => {
    const storage = new MemoryStorage();
    saveChosenSize(storage, 'steps', 261.6);
    storage.setItem('steerway.pane.files', 'wide');
    storage.setItem('steerway.pane.journal', '-5');
    expect(storage.items.get('steerway.pane.steps')).toBe('262');
    expect(loadChosenSizes(storage)).toEqual({ steps: 262 });
  });
});
