// Registers every contract channel with ipcMain through one helper that checks the sender first.
import { BrowserWindow, type IpcMainInvokeEvent, ipcMain } from 'electron';
import { CHANNELS, type Channel } from '../../shared/channels';
import type { KioskCore } from '../core/core';

export function setupIpc(core: Pick<KioskCore, 'dispatch' | 'stats'>, isOwnWindow: (w: BrowserWindow | null) => boolean): void {
  for (const channel of Object.keys(CHANNELS) as Channel[]) {
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, ...args: unknown[]) => {
      if (!isOwnWindow(BrowserWindow.fromWebContents(event.sender))) {
        core.stats.rejected++;
        return { ok: false, code: 'forbidden', message: 'sender is not a kiosk window' };
      }
      return core.dispatch(channel, args);
    });
  }
}
