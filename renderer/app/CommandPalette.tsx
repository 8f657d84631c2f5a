import { useMemo, useState } from 'react';
import { flushSync } from 'react-dom';
import { fuzzyMatch } from '../../app/text/fuzzy';
import { ModelManagerPanel } from '../models';
import { useCommandList, useCommands, type AppCommand } from './commands';
import { MarkedText, PickerDialog } from './PickerDialog';

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
  const shown = useMemo(
    () =>
      commands
        .map((command) => ({ command, match: fuzzyMatch(query, command.title) }))
        .filter((entry): entry is { command: AppCommand; match: NonNullable<typeof entry.match> } => entry.match !== null)
        .sort((a, b) => b.match.score - a.match.score),
    [commands, query],
  );
  return (
    <PickerDialog
      label="Command palette"
      className="quick-open command-palette"
      inputLabel="Command"
      placeholder="Type to find a command"
      listLabel="Commands"
      query={query}
      onQuery={setQuery}
      items={shown}
      keyOf={({ command }) => command.id}
      // The shortcut is read after the title.
      optionLabel={({ command }) => (command.keys ? `${command.title} (${command.keys.join(' or ')})` : command.title)}
      renderItem={({ command, match }) => (
        <>
          <span className="command-title">
            <MarkedText text={command.title} positions={match.positions} />
          </span>
          {command.keys && (
            <span className="command-keys">
              {command.keys.map((key) => (
                <kbd key={key}>{key}</kbd>
              ))}
            </span>
          )}
        </>
      )}
      onChoose={({ command }) => onRun(command)}
      onClose={onClose}
      empty="No matching commands."
    />
  );
}
