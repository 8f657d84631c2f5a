import { useEffect, useState } from 'react';
import { useApi } from '../app/context';

/** What the status bar says while the browser-mode server cannot be reached. */
export const DISCONNECTED = 'Disconnected: is Steerway still running?';

/** Whether main is reachable now: always true over Electron's IPC; in browser mode it follows the socket. */
export function useConnected(): boolean {
  const api = useApi();
  const [connected, setConnected] = useState(true);
  useEffect(() => {
    const subscription = api.onConnection?.(setConnected);
    return () => subscription?.dispose();
  }, [api]);
  return connected;
}
