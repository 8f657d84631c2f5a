import { useState } from 'react';
import { parseThemeChoice, setThemeChoice, THEME_CHOICES, themeChoice, type ThemeChoice } from './theme';

const LABEL: Record<ThemeChoice, string> = { system: 'System theme', light: 'Light', dark: 'Dark' };

/** Light, dark, or whatever the system uses; remembered. */
export function ThemePicker() {
  const [choice, setChoice] = useState(themeChoice);
  return (
    <select
      aria-label="Theme"
      className="theme-picker"
      value={choice}
      onChange={(event) => {
        const next = parseThemeChoice(event.target.value);
        setThemeChoice(next);
        setChoice(next);
      }}
    >
      {THEME_CHOICES.map((option) => (
        <option key={option} value={option}>
          {LABEL[option]}
        </option>
      ))}
    </select>
  );
}
