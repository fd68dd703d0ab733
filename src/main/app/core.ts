// The kiosk's main-process core, free of Electron: settings, vision pipeline, tracker and the IPC
// handlers over them. The Electron app and the browser preview both run exactly this.
import { join } from 'node:path';
import { loadSettings, type Settings } from '../config/settings';
import { VisionPipeline } from '../vision/pipeline';
import { ComplianceTracker } from '../compliance/tracker';
import { createFrameHandler } from '../compliance/frame-handler';
import type { ComplianceEvent } from '../compliance/tracker';
import { UnavailableError, type Handlers } from './ipc-dispatch';
import type { CameraReport } from '../../shared/contract';

export interface CoreOptions {
  modelsDir: string;
  settingsFile: string;
  productName: string;
  version: string;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  onEvents?: (events: ComplianceEvent[]) => void;
  now?: () => number;
}

export interface KioskCore {
  handlers: Handlers;
  settings: Settings;
  pipeline: VisionPipeline | null;
  /** Why the pipeline is not running, in words for the screen; null when it runs. */
  problem: string | null;
  dispose(): Promise<void>;
}

export async function createKioskCore(options: CoreOptions): Promise<KioskCore> {
  const log = options.log ?? ((level, message) => console[level](message));
  const loaded = loadSettings(options.settingsFile);
  if (loaded.warning) log('warn', loaded.warning);
  const settings = loaded.settings;

  let pipeline: VisionPipeline | null = null;
  let problem: string | null = null;
  const classifierFolder = settings.model.folder ?? join(options.modelsDir, 'facemask-default');
  try {
    pipeline = await VisionPipeline.load({
      detectorFolder: join(options.modelsDir, 'blazeface'),
      classifierFolder,
      detector: { minScore: settings.detection.minScore },
      labelOverrides: settings.model.labelOverrides,
    });
    log('info', `vision: model ${pipeline.classifier.model.id}; provider ${pipeline.providers.classifier}; detector provider ${pipeline.providers.detector}`);
  } catch (err) {
    problem = err instanceof Error ? err.message : String(err);
    log('error', `vision: not running: ${problem}`);
  }

  const tracker = new ComplianceTracker({
    compliantAt: settings.compliance.compliantAt,
    violationAt: settings.compliance.violationAt,
    minDwellMs: settings.compliance.minDwellMs,
    cooldownMs: settings.compliance.cooldownMs,
  });
  const analyze = pipeline
    ? createFrameHandler({ pipeline, tracker, settings: () => settings, ...(options.now ? { now: options.now } : {}), ...(options.onEvents ? { onEvents: options.onEvents } : {}) })
    : null;

  const handlers: Handlers = {
    'app:status': () => ({
      productName: options.productName,
      version: options.version,
      provider: pipeline?.activeProvider ?? null,
      model: pipeline?.classifier.model.id ?? null,
      problem,
      language: settings.language,
      cameraDeviceId: settings.camera.deviceId,
      volume: settings.sound.volume,
    }),
    'frame:analyze': async (frame) => {
      if (!analyze) throw new UnavailableError(problem ?? 'vision pipeline not loaded');
      return analyze(frame);
    },
    'camera:report': (report: CameraReport) => {
      const text = `camera: ${report.state}${report.label ? ` (${report.label})` : ''}${report.message ? `: ${report.message}` : ''}`;
      log(report.state === 'live' || report.state === 'starting' ? 'info' : 'warn', text);
      return null;
    },
  };

  return {
    handlers,
    settings,
    pipeline,
    problem,
    dispose: async () => {
      await pipeline?.dispose();
    },
  };
}
