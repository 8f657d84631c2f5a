import { useEffect, useRef } from 'react';
import type { Step } from '../../../app/journal/schema';
import { CellView } from './CellView';

export function CellList({ step }: { step: Step }) {
  const list = useRef<HTMLDivElement>(null);
  const lastCellId = step.cells.at(-1)?.id;
  const shownLastCellId = useRef(lastCellId);

  // A command just added shows up where the user is looking, above the command box.
  useEffect(() => {
    if (lastCellId && lastCellId !== shownLastCellId.current) list.current?.lastElementChild?.scrollIntoView?.({ block: 'nearest' });
    shownLastCellId.current = lastCellId;
  }, [lastCellId]);

  if (step.cells.length === 0) return <p className="muted cells-empty">No commands yet: type one below and press Enter.</p>;
  return (
    <div className="cells" ref={list}>
      {step.cells.map((cell) => (
        <CellView key={cell.id} cell={cell} />
      ))}
    </div>
  );
}
