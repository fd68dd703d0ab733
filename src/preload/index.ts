// Sandboxed preload: exposes only the named methods of the IPC contract, never ipcRenderer.
import { contextBridge, ipcRenderer } from 'electron';
import { buildKioskApi } from './api';

contextBridge.exposeInMainWorld(
  'kiosk',
  buildKioskApi((channel, args) => ipcRenderer.invoke(channel, ...args)),
);
