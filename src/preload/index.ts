// Sandboxed preload: exposes only the named methods of the IPC contract, never ipcRenderer.
import { contextBridge, type IpcRendererEvent, ipcRenderer } from 'electron';
import { eventChannel } from '../shared/channels';
import { buildKioskApi } from './api';

contextBridge.exposeInMainWorld(
  'kiosk',
  buildKioskApi(
    (channel, args) => ipcRenderer.invoke(channel, ...args),
    (event, listener) => {
      // The page gets the payload only, never the IPC event (which would reach ipcRenderer).
      const forward = (_e: IpcRendererEvent, payload: unknown): void => listener(payload);
      ipcRenderer.on(eventChannel(event), forward);
      return () => ipcRenderer.removeListener(eventChannel(event), forward);
    },
  ),
);
