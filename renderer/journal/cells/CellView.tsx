import { useEffect, useRef, useState } from 'react';
import type { Cell } from '../../../app/journal/schema';
import { showInvisibles } from '../../../app/text/invisibles';
import { useApp } from '../../app/context';
import { useJournal, useJournalActions } from '../context';
import { cellStatusText, formatDuration, queuedReason, type CellPhase } from '../format';
import { VisibleText } from '../VisibleText';
import { TerminalView } from './TerminalView';

export function CellView({ cell }: { cell: Cell }) {
  const phase = useJournal((s): CellPhase => (s.runningCellId === cell.id ? 'running' : s.queuedCellIds.includes(cell.id) ? 'queued' : 'idle'));
  const revealed = useJournal((s) => s.revealCellId === cell.id);
  const outputs = useJournal((s) => s.outputs);
  const { edit, runCell, interrupt, deleteCell, clearReveal } = useJournalActions();
  const reportError = useApp((s) => s.reportError);
  const showNotice = useApp((s) => s.showNotice);
  const element = useRef<HTMLElement>(null);
  const [highlighted, setHighlighted] = useState(false);
  const run = cell.lastRun;
  const running = phase === 'running';

  useEffect(() => {
    if (!revealed) return;
    element.current?.scrollIntoView?.({ block: 'center' });
    element.current?.focus();
    setHighlighted(true);
    clearReveal();
  }, [revealed, clearReveal]);

  const copy = async () => {
    try {
      const output = await outputs.plainText(cell.id, run !== null);
      await navigator.clipboard.writeText(`$ ${cell.command}\n${output}`);
      showNotice('Copied the command and its output');
    } catch (error) {
      reportError(error);
    }
  };

  return (
    // Named by its title, not aria-label: the command is user text, and a label lookup for a word
    // elsewhere in the app (getByLabel('Journal')) must not find it. The empty title inside keeps the
    // name from showing as a tooltip over the whole cell.
    <section
      ref={element}
      role="group"
      title={`Cell: ${showInvisibles(cell.command.split('\n')[0]!)}`}
      tabIndex={-1}
      className={`cell ${phase}${highlighted ? ' highlighted' : ''}`}
      onAnimationEnd={() => setHighlighted(false)}
    >
      <div title="">
        <div className="cell-head">
          <pre className="cell-command">
            <span className="prompt" aria-hidden="true">
              $
            </span>
            <VisibleText text={cell.command} />
          </pre>
          <div className="cell-actions">
            {running ? (
              <button type="button" className="danger" onClick={() => void interrupt()}>
                Interrupt
              </button>
            ) : (
              <button type="button" disabled={phase === 'queued'} onClick={() => void runCell(cell.id)}>
                Re-run
              </button>
            )}
            <button type="button" onClick={() => void edit({ type: 'setCellCollapsed', cellId: cell.id, collapsed: !cell.collapsed })}>
              {cell.collapsed ? 'Expand' : 'Collapse'}
            </button>
            <button type="button" onClick={() => void copy()}>
              Copy
            </button>
            <button type="button" disabled={running} onClick={() => void deleteCell(cell.id)}>
              Delete cell
            </button>
          </div>
        </div>
        <div className="cell-meta">
          <span className={`cell-status ${statusClass(cell, phase)}`}>{cellStatusText(cell, phase)}</span>
          {phase === 'queued' && <WaitingFor />}
          {!running && run?.durationMs != null && <span>{formatDuration(run.durationMs)}</span>}
          {run?.cwd && (
            <span className="cell-cwd" title={run.cwd}>
              {run.cwd}
            </span>
          )}
          {run?.outputTruncated && <span>output truncated</span>}
        </div>
        {!cell.collapsed && (run || running) && <TerminalView cellId={cell.id} hasStoredRun={run !== null} running={running} />}
      </div>
    </section>
  );
}

function statusClass(cell: Cell, phase: CellPhase): string {
  if (phase !== 'idle') return phase;
  const run = cell.lastRun;
  if (!run) return '';
  return run.exitCode === 0 && !run.interrupted ? 'ok' : 'failed';
}

/** Why a queued cell has not started: the running command, with a way to it and to stop it. */
function WaitingFor() {
  const journal = useJournal((s) => s.journal);
  const runningCellId = useJournal((s) => s.runningCellId);
  const reason = queuedReason(journal, runningCellId);
  const { reveal, interrupt } = useJournalActions();
  if (!reason) return null;
  return (
    <span className="cell-waiting">
      <VisibleText text={reason.text} />
      <button type="button" onClick={() => void reveal(reason.stepId, reason.cellId)}>
        Go to step {reason.stepNumber}
      </button>
      <button type="button" onClick={() => void interrupt()}>
        Interrupt it
      </button>
    </span>
  );
}
