import { useJournal } from './context';

export function UndoToast() {
  const deletedStep = useJournal((s) => s.deletedStep);
  const undoDelete = useJournal((s) => s.undoDelete);
  if (!deletedStep) return null;
  return (
    <div role="status" className="toast">
      <span className="toast-message">Step deleted</span>
      <button type="button" onClick={() => void undoDelete()}>
        Undo
      </button>
    </div>
  );
}
