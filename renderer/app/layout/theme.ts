/**
 * Light or dark: the system's choice (`prefers-color-scheme`) unless the user picked one, remembered in
 * localStorage. The page's colours follow `data-theme` on the root element (styles.css); Monaco and xterm,
 * which paint their own, listen through onThemeChange.
 */
import { Emitter, type Event } from '../../../base/common/event';

export const THEME_CHOICES = ['system', 'light', 'dark'] as const;
export type ThemeChoice = (typeof THEME_CHOICES)[number];
export type Theme = 'light' | 'dark';

const STORAGE_KEY = 'steerway.theme';
const DARK_QUERY = '(prefers-color-scheme: dark)';

export function resolveTheme(choice: ThemeChoice, systemDark: boolean): Theme {
  return choice === 'system' ? (systemDark ? 'dark' : 'light') : choice;
}

export function parseThemeChoice(value: string | null): ThemeChoice {
  return THEME_CHOICES.find((choice) => choice === value) ?? 'system';
}

let choice: ThemeChoice = 'system';
let systemDark = false;
let applied: Theme | null = null;
const changed = new Emitter<Theme>();
/** Fires on every change of the theme shown. */
export const onThemeChange: Event<Theme> = changed.event;

function apply(): void {
  const theme = resolveTheme(choice, systemDark);
  if (theme === applied) return;
  applied = theme;
  document.documentElement.dataset.theme = theme;
  changed.fire(theme);
}

/** Reads the remembered choice and starts following the system; call once, before the first render. */
export function startTheme(): void {
  choice = parseThemeChoice(localStorage.getItem(STORAGE_KEY));
  const query = window.matchMedia?.(DARK_QUERY);
  systemDark = query?.matches ?? false;
  query?.addEventListener('change', (event) => {
    systemDark = event.matches;
    apply();
  });
  apply();
}

export function themeChoice(): ThemeChoice {
  return choice;
}

export function setThemeChoice(next: ThemeChoice): void {
  choice = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Not remembered (storage refused), but still applied.
  }
  apply();
}

export function currentTheme(): Theme {
  return applied ?? resolveTheme(choice, systemDark);
}
