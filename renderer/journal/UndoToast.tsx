import { useJournal } from './context';
import type { Deleted } from './store/types';

const MESSAGE: Record<Deleted['kind'], string> = { step: 'Step deleted', cell: 'Cell deleted', attachment: 'Attachment removed' };

export function UndoToast() {
  const deleted = useJournal((s) => s.deleted);
  const undoDelete = useJournal((s) => s.undoDelete);
  if (!deleted) return null;
  return (
    <div role="status" className="toast">
      <span className="toast-message">{MESSAGE[deleted.kind]}</span>
      <button type="button" onClick={() => void undoDelete()}>
        Undo
      </button>
    </div>
  );
}
