import { useEffect, useRef } from 'react';
import type { Step } from '../../../app/journal/schema';
import { CellView } from './CellView';
import { useShellColumns } from './terminalSize';

export function CellList({ step }: { step: Step }) {
  const list = useRef<HTMLDivElement>(null);
  const lastCellId = step.cells.at(-1)?.id;
  const shownLastCellId = useRef(lastCellId);
  useShellColumns(list);

  // A command just added shows up where the user is looking, above the command box.
  useEffect(() => {
    if (lastCellId && lastCellId !== shownLastCellId.current) list.current?.lastElementChild?.scrollIntoView?.({ block: 'nearest' });
    shownLastCellId.current = lastCellId;
  }, [lastCellId]);

  // The list is there even while empty: its width is the shell's (useShellColumns), before the first command runs.
  return (
    <div className="cells" ref={list}>
      {step.cells.length === 0 ? (
        <p className="muted cells-empty">No commands yet: type one below and press Enter.</p>
      ) : (
        step.cells.map((cell) => <CellView key={cell.id} cell={cell} />)
      )}
    </div>
  );
}
