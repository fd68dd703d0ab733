// Electron entry: load the vision pipeline, wire IPC, open the kiosk window.
import { app, BrowserWindow } from 'electron';
import { join } from 'node:path';
import { VisionPipeline } from '../vision/pipeline';
import { setupIpc } from './ipc';
import { modelsDir } from './paths';
import { createKioskWindow } from './window';
import type { AppStatus } from '../../shared/contract';
import type { DispatchStats } from './ipc-dispatch';

const stats: DispatchStats = { rejected: 0, failed: 0 };
let pipeline: VisionPipeline | null = null;
let problem: string | null = null;
let kioskWindow: BrowserWindow | null = null;

async function loadPipeline(): Promise<void> {
  try {
    pipeline = await VisionPipeline.load({
      detectorFolder: join(modelsDir(), 'blazeface'),
      classifierFolder: join(modelsDir(), 'facemask-default'),
    });
    console.info(`vision: model ${pipeline.classifier.model.id}; provider ${pipeline.providers.classifier}`);
  } catch (err) {
    problem = err instanceof Error ? err.message : String(err);
    console.error(`vision: not running: ${problem}`);
  }
}

function status(): AppStatus {
  return {
    productName: 'Mask Kiosk',
    version: app.getVersion(),
    provider: pipeline?.activeProvider ?? null,
    model: pipeline?.classifier.model.id ?? null,
    problem,
  };
}

app.whenReady().then(async () => {
  await loadPipeline();
  setupIpc({ 'app:status': status }, (w) => w !== null && w === kioskWindow, stats);
  kioskWindow = createKioskWindow({ kiosk: process.env.MASK_KIOSK_WINDOWED !== '1' });
});

app.on('window-all-closed', () => {
  void pipeline?.dispose();
  app.quit();
});
