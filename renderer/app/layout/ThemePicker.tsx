import { useState } from 'react';
import { useCommands } from '../commands';
import { currentTheme, parseThemeChoice, setThemeChoice, THEME_CHOICES, themeChoice, type ThemeChoice } from './theme';

const LABEL: Record<ThemeChoice, string> = { system: 'System theme', light: 'Light', dark: 'Dark' };

/** Light, dark, or whatever the system uses; remembered. */
export function ThemePicker() {
  const [choice, setChoice] = useState(themeChoice);
  const choose = (next: ThemeChoice) => {
    setThemeChoice(next);
    setChoice(next);
  };
  useCommands([
    { id: 'app.toggleTheme', title: 'Toggle light and dark theme', run: () => choose(currentTheme() === 'dark' ? 'light' : 'dark') },
    { id: 'app.systemTheme', title: 'Follow the system theme', run: () => choose('system') },
  ]);
  return (
    <select
      aria-label="Theme"
      className="theme-picker"
      value={choice}
      onChange={(event) => choose(parseThemeChoice(event.target.value))}
    >
      {THEME_CHOICES.map((option) => (
        <option key={option} value={option}>
          {LABEL[option]}
        </option>
      ))}
    </select>
  );
}
