import '@xterm/xterm/css/xterm.css';
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connectApi } from './api/connect';
import { App } from './app/App';
import { createAppStore } from './app/appStore';
import { startTheme } from './app/layout/theme';

// Before the first paint, so a dark system never flashes light.
startTheme();

const root = createRoot(document.getElementById('root')!);
try {
  const api = connectApi();
  const store = createAppStore(api);
  // Started here, not in an effect: StrictMode runs effects twice and would open the journal twice.
  void store.getState().start();
  root.render(
    <StrictMode>
      <App api={api} store={store} />
    </StrictMode>,
  );
} catch (error) {
  root.render(
    <p role="alert" className="placeholder">
      {error instanceof Error ? error.message : String(error)}
    </p>,
  );
}
