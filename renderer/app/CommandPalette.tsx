import { useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { flushSync } from 'react-dom';
import { fuzzyMatch, highlightRuns } from '../../app/text/fuzzy';
import { ModelManagerPanel } from '../models';
import { useCommandList, useCommands, type AppCommand } from './commands';

const PALETTE_KEYS = ['Ctrl+Shift+P', 'F1'] as const;

/**
 * Ctrl+Shift+P or F1: every registered action, filtered by letters of its title, with its shortcut. Inside
 * Monaco, F1 stays Monaco's own palette (the editor's actions); Ctrl+Shift+P opens this one everywhere.
 */
export function CommandPalette() {
  const [open, setOpen] = useState(false);
  // The status bar's Models button has its own panel; the palette opens the same one.
  const [models, setModels] = useState(false);
  useCommands([
    { id: 'app.commandPalette', title: 'Show all commands', keys: PALETTE_KEYS, run: () => setOpen(true) },
    { id: 'app.models', title: 'Open models', run: () => setModels(true) },
  ]);
  return (
    <>
      {open && (
        <PaletteDialog
          onClose={() => setOpen(false)}
          onRun={(command) => {
            // Closed first, so focus is back where it was before the command moves it (focus the composer…).
            flushSync(() => setOpen(false));
            command.run();
          }}
        />
      )}
      {models && <ModelManagerPanel onClose={() => setModels(false)} />}
    </>
  );
}

function PaletteDialog({ onClose, onRun }: { onClose: () => void; onRun: (command: AppCommand) => void }) {
  const commands = useCommandList();
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const listId = useId();

  useLayoutEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    input.current?.focus();
    return () => previous?.focus();
  }, []);

  const shown = useMemo(
    () =>
      commands
        .map((command) => ({ command, match: fuzzyMatch(query, command.title) }))
        .filter((entry): entry is { command: AppCommand; match: NonNullable<typeof entry.match> } => entry.match !== null)
        .sort((a, b) => b.match.score - a.match.score),
    [commands, query],
  );
  const current = Math.min(selected, Math.max(0, shown.length - 1));

  const onKeyDown = (event: KeyboardEvent) => {
    const step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
    if (step !== undefined && shown.length) {
      event.preventDefault();
      setSelected((current + step + shown.length) % shown.length);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const entry = shown[current];
      if (entry) onRun(entry.command);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      onClose();
    }
  };

  const optionId = (index: number) => `${listId}-${index}`;
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div role="dialog" aria-modal="true" aria-label="Command palette" className="dialog quick-open command-palette" onKeyDown={onKeyDown}>
        <input
          ref={input}
          role="combobox"
          aria-label="Command"
          aria-expanded={shown.length > 0}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={shown.length ? optionId(current) : undefined}
          placeholder="Type to find a command"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setSelected(0);
          }}
        />
        <ul role="listbox" id={listId} aria-label="Commands" className="quick-open-list">
          {shown.map(({ command, match }, index) => (
            <li
              key={command.id}
              id={optionId(index)}
              role="option"
              // The title whole (the marked letters are separate elements); the shortcut is read after it.
              aria-label={command.keys ? `${command.title} (${command.keys.join(' or ')})` : command.title}
              aria-selected={index === current}
              className={index === current ? 'selected' : undefined}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => onRun(command)}
            >
              <span className="command-title">
                {highlightRuns(command.title, match.positions).map((run, i) => <span key={i} className={run.matched ? 'fuzzy-match' : undefined}>{run.text}</span>)}
              </span>
              {command.keys && (
                <span className="command-keys">
                  {command.keys.map((key) => (
                    <kbd key={key}>{key}</kbd>
                  ))}
                </span>
              )}
            </li>
          ))}
        </ul>
        {shown.length === 0 && <p className="muted">No matching commands.</p>}
      </div>
    </div>
  );
}
