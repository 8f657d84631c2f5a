import { useApp } from './context';

/** Failed calls, one alert each, until dismissed. */
export function ErrorAlerts() {
  const errors = useApp((s) => s.errors);
  const dismissError = useApp((s) => s.dismissError);
  if (errors.length === 0) return null;
  return (
    <div className="alerts">
      {errors.map((error) => (
        <div key={error.id} role="alert" className="alert error">
          <span className="alert-message">{error.message}</span>
          <button type="button" className="quiet" onClick={() => dismissError(error.id)}>
            Dismiss
          </button>
        </div>
      ))}
    </div>
  );
}

export function NoticeToast() {
  const notice = useApp((s) => s.notice);
  const dismissNotice = useApp((s) => s.dismissNotice);
  if (!notice) return null;
  return (
    <div role="status" className="toast">
      <span className="toast-message">{notice.message}</span>
      <button type="button" className="quiet" onClick={dismissNotice}>
        Close
      </button>
    </div>
  );
}
