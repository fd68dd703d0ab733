// Registers every contract channel with ipcMain through one helper that checks the sender first.
import { BrowserWindow, type IpcMainInvokeEvent, ipcMain } from 'electron';
import { CHANNELS, type Channel } from '../../shared/channels';
import { type DispatchStats, dispatch, type Handlers } from './ipc-dispatch';

export function setupIpc(handlers: Handlers, isOwnWindow: (w: BrowserWindow | null) => boolean, stats: DispatchStats): void {
  for (const channel of Object.keys(CHANNELS) as Channel[]) {
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, ...args: unknown[]) => {
      if (!isOwnWindow(BrowserWindow.fromWebContents(event.sender))) {
        stats.rejected++;
        return { ok: false, code: 'forbidden', message: 'sender is not a kiosk window' };
      }
      return dispatch(handlers, channel, args, stats);
    });
  }
}
