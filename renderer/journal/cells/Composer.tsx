import { useId, useRef, useState, type FormEvent, type KeyboardEvent, type RefObject } from 'react';
import { useCommands } from '../../app/commands';
import { useJournal, useJournalStore } from '../context';
import { AT_DRAFT, commandHistory, moveInHistory } from './history';

const MAX_VISIBLE_LINES = 8;
const FOCUS_COMPOSER_KEYS = ['Ctrl+`'];
const RUN_SELECTED_CELL_KEYS = ['Alt+Enter'];
/** Said by the box while a cell of this journal runs: Enter answers it. */
const SENDS_INPUT = 'Sends input to the running command (Ctrl+Enter queues a new command)';

/**
 * The command box of the current step: Enter runs, Shift+Enter starts a new line, ↑/↓ walk this journal's
 * commands. While a cell of this journal runs, Enter sends the text and a newline to it (answering `read`
 * and other prompts), and Ctrl+Enter, or **Queue**, adds a new command after it instead.
 */
export function Composer() {
  const trusted = useJournal((s) => s.trusted);
  const running = useJournal((s) => s.runningCellId !== null);
  const store = useJournalStore();
  const { runCommand, sendInput } = store.getState();
  const [command, setCommand] = useState('');
  const position = useRef(AT_DRAFT);
  const input = useRef<HTMLTextAreaElement>(null);
  const hintId = useId();
  useCellCommands(input);

  const queue = async () => {
    if (!command.trim()) return;
    position.current = AT_DRAFT;
    // An untrusted journal refuses (the banner says so); the text stays where it is, never cleared in between.
    if (!trusted) return void runCommand(command);
    setCommand('');
    // Give the text back if the cell could not be added, unless the user already typed something new.
    if (!(await runCommand(command))) setCommand((typed) => typed || command);
  };

  const answer = () => {
    // A terminal's Enter is a carriage return; the pty turns it into the newline `read` waits for.
    sendInput(`${command.replace(/\r?\n/g, '\r')}\r`);
    setCommand('');
    position.current = AT_DRAFT;
  };

  const enter = () => (running ? answer() : void queue());
  const submit = (event: FormEvent) => {
    event.preventDefault();
    enter();
  };

  const recall = (event: KeyboardEvent<HTMLTextAreaElement>, direction: 'older' | 'newer') => {
    const box = event.currentTarget;
    // Only from the first line (↑) or the last (↓), as a shell does; elsewhere the caret moves between lines.
    const onEdge = direction === 'older' ? !box.value.slice(0, box.selectionStart).includes('\n') : !box.value.slice(box.selectionEnd).includes('\n');
    if (!onEdge || box.selectionStart !== box.selectionEnd) return;
    // Read when asked, not on every change of the journal.
    const moved = moveInHistory(commandHistory(store.getState().journal), position.current, command, direction);
    if (!moved) return;
    event.preventDefault();
    position.current = moved.position;
    setCommand(moved.text);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.nativeEvent.isComposing) return;
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void queue();
    } else if (e.key === 'Enter' && !e.shiftKey && !e.altKey) {
      e.preventDefault();
      enter();
    } else if ((e.key === 'ArrowUp' || e.key === 'ArrowDown') && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey) {
      recall(e, e.key === 'ArrowUp' ? 'older' : 'newer');
    }
  };

  return (
    <form className={running ? 'composer sends-input' : 'composer'} onSubmit={submit}>
      <span className="prompt" aria-hidden="true">
        {running ? '>' : '$'}
      </span>
      {running && (
        <span id={hintId} className="composer-mode">
          {SENDS_INPUT}
        </span>
      )}
      <textarea
        ref={input}
        aria-label="Command"
        aria-describedby={running ? hintId : undefined}
        className="command-input"
        value={command}
        spellCheck={false}
        autoCapitalize="off"
        autoCorrect="off"
        rows={Math.min(MAX_VISIBLE_LINES, command.split('\n').length)}
        placeholder={!trusted ? 'Trust this journal to run commands' : running ? SENDS_INPUT : 'Type a command and press Enter (↑ for earlier ones)'}
        onChange={(e) => setCommand(e.target.value)}
        onKeyDown={onKeyDown}
      />
      {running ? (
        <>
          <button type="submit" className="primary" title="Send the text and Enter to the running command">
            Send
          </button>
          <button type="button" title="Queue as a new command (Ctrl+Enter)" onClick={() => void queue()}>
            Queue
          </button>
        </>
      ) : (
        <button type="submit" className="primary">
          Run
        </button>
      )}
    </form>
  );
}

/** Palette commands and keys for the command box and the cells of the current step. */
function useCellCommands(input: RefObject<HTMLTextAreaElement | null>) {
  const store = useJournalStore();
  useCommands([
    { id: 'journal.focusComposer', title: 'Focus the command box', keys: FOCUS_COMPOSER_KEYS, run: () => input.current?.focus() },
    {
      id: 'journal.runSelectedCell',
      title: 'Run the selected cell',
      keys: RUN_SELECTED_CELL_KEYS,
      run: () => {
        const { journal, selectedStepId, runCell, runningCellId, queuedCellIds } = store.getState();
        const step = journal.steps.find((s) => s.id === selectedStepId);
        const cellId = selectedCellId(step?.cells.map((c) => c.id) ?? []);
        if (cellId && cellId !== runningCellId && !queuedCellIds.includes(cellId)) void runCell(cellId);
      },
    },
    { id: 'journal.interrupt', title: 'Interrupt the running command', run: () => void store.getState().interrupt() },
  ]);
}

/** The cell that holds focus (cells are in step order in `.cells`), else the step's last cell. */
function selectedCellId(cellIds: readonly string[]): string | undefined {
  const section = document.activeElement?.closest('.cells > .cell');
  const index = section?.parentElement ? Array.from(section.parentElement.children).indexOf(section) : -1;
  return cellIds[index] ?? cellIds.at(-1);
}
