// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// theme.ts keeps the page's one theme in module state: each test starts from a fresh module.
async function freshTheme(systemDark: boolean) {
  vi.resetModules();
  let changeListener: ((event: { matches: boolean }) => void) | null = null;
  window.matchMedia = vi.fn(() => ({
    matches: systemDark,
    addEventListener: (_type: string, listener: (event: { matches: boolean }) => void) => (changeListener = listener),
  })) as unknown as typeof window.matchMedia;
  const theme = await import('../../../../renderer/app/layout/theme');
  return { theme, systemChanges: (dark: boolean) => changeListener?.({ matches: dark }) };
}

describe('theme', () => {
  beforeEach(() => localStorage.clear());
  afterEach(() => delete document.documentElement.dataset.theme);

  it('follows the system until the user picks one, and tells listeners (Monaco, xterm) of each change', async () => {
    const { theme, systemChanges } = await freshTheme(true);
    theme.startTheme();
    expect(document.documentElement.dataset.theme).toBe('dark');
    const seen: string[] = [];
    theme.onThemeChange((shown) => seen.push(shown));

    systemChanges(false);
    expect(document.documentElement.dataset.theme).toBe('light');
    theme.setThemeChoice('dark');
    systemChanges(true);
    systemChanges(false);
    expect(theme.currentTheme()).toBe('dark');
    expect(seen).toEqual(['light', 'dark']);
  });

  it('remembers the choice across page loads; an unknown stored value means the system', async () => {
    (await freshTheme(false)).theme.setThemeChoice('dark');
    const next = (await freshTheme(false)).theme;
    next.startTheme();
    expect(next.themeChoice()).toBe('dark');
    expect(document.documentElement.dataset.theme).toBe('dark');

    localStorage.setItem('steerway.theme', 'purple');
    const again = (await freshTheme(false)).theme;
    again.startTheme();
    expect(again.themeChoice()).toBe('system');
    expect(document.documentElement.dataset.theme).toBe('light');
  });
});
