import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

/**
 * The only thing the page gets from Electron: `window.steerway`, carrying the contract's calls and events.
 * Runs sandboxed, so it is bundled to one CommonJS file with no imports but `electron`.
 */
contextBridge.exposeInMainWorld('steerway', {
  call: (name: string, input: unknown) => ipcRenderer.invoke('steerway:call', name, input),
  on: (event: string, listener: (payload: unknown) => void) => {
    const forward = (_event: IpcRendererEvent, name: string, payload: unknown) => {
      if (name === event) listener(payload);
    };
    ipcRenderer.on('steerway:event', forward);
    return () => ipcRenderer.removeListener('steerway:event', forward);
  },
});
