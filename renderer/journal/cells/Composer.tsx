import { useState, type FormEvent } from 'react';
import { useJournal } from '../context';

const MAX_VISIBLE_LINES = 8;

/** The command box of the current step: Enter runs, Shift+Enter starts a new line. */
export function Composer() {
  const trusted = useJournal((s) => s.trusted);
  const runCommand = useJournal((s) => s.runCommand);
  const [command, setCommand] = useState('');

  const run = async () => {
    if (!command.trim()) return;
    // An untrusted journal refuses (the banner says so); the text stays where it is, never cleared in between.
    if (!trusted) return void runCommand(command);
    setCommand('');
    // Give the text back if the cell could not be added, unless the user already typed something new.
    if (!(await runCommand(command))) setCommand((typed) => typed || command);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run();
  };

  return (
    <form className="composer" onSubmit={submit}>
      <span className="prompt" aria-hidden="true">
        $
      </span>
      <textarea
        aria-label="Command"
        className="command-input"
        value={command}
        spellCheck={false}
        autoCapitalize="off"
        autoCorrect="off"
        rows={Math.min(MAX_VISIBLE_LINES, command.split('\n').length)}
        placeholder={trusted ? 'Type a command and press Enter' : 'Trust this journal to run commands'}
        onChange={(e) => setCommand(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            void run();
          }
        }}
      />
      <button type="submit" className="primary">
        Run
      </button>
    </form>
  );
}
