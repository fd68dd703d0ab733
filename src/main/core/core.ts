// The kiosk's main-process core, free of Electron: settings, vision pipeline, tracker and the IPC
// handlers over them. The Electron app and the browser preview both run exactly this.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EventName, Result } from '../../shared/channels';
import { type AppStatus, type EventOf, events } from '../../shared/contract';
import { errorMessage } from '../../shared/errors';
import { type Message, message } from '../../shared/messages';
import { type Settings, secondLanguageOf } from '../../shared/settings';
import { createFrameHandler } from '../compliance/frame-handler';
import type { ComplianceEvent } from '../compliance/tracker';
import { ComplianceTracker, complianceOptions } from '../compliance/tracker';
import { AdminPin } from '../config/admin-pin';
import { keepPrivate } from '../config/private-files';
import { KeyFileSecretBox, type SecretBox } from '../config/secret-box';
import { loadSettings } from '../config/settings';
import { AppLog, openAuditLog } from '../log/app-log';
import { ViolationLog } from '../log/violation-log';
import type { Logger } from '../logger';
import { SiteOutbox } from '../site/outbox';
import { SiteReporting } from '../site/site-reporting';
import type { ClassifySchedule } from '../vision/classify-schedule';
import type { EngineLauncher } from '../vision/engine-process';
import { VisionEngine } from '../vision/vision-engine';
import { type AdminDeps, createAdminHandlers } from './admin-handlers';
import { type DispatchStats, dispatch, type Handlers } from './ipc-dispatch';
import { createScreenHandlers } from './screen-handlers';
import { createSettingsHandlers } from './settings-handlers';
import { createSiteHandlers } from './site-handlers';

export interface CoreOptions {
  modelsDir: string;
  /** Starts the vision engine process: Electron's utility process in the app, a Node child elsewhere. */
  visionEngine: EngineLauncher;
  /** Settings, admin PIN and the violation log live here (Electron's userData). */
  userDataDir: string;
  productName: string;
  version: string;
  /** Also told everything the app log is (the console by default). */
  log?: Logger;
  onEvents?: (events: ComplianceEvent[]) => void;
  now?: () => number;
  chooseSavePath?: AdminDeps['chooseSavePath'];
  exitKiosk?: () => void;
  /** The app's own log; created in <userDataDir>/logs when not given. */
  appLog?: AppLog;
  /** Settings were saved by an admin (Electron applies start-at-login here). */
  onSettingsChanged?: (settings: Settings) => void;
  /** Seals the site database password at rest (Electron: the OS key store); a key file by default. */
  secretBox?: SecretBox;
  /** Pushes a main-to-renderer event to the kiosk screen (Electron IPC, or the preview's socket). */
  emit?: <E extends EventName>(event: E, payload: EventOf<E>) => void;
  /** When faces are classified again (the vision pipeline's default unless given; null: every frame), to measure it. */
  classifySchedule?: ClassifySchedule | null;
}

export interface KioskCore {
  handlers: Handlers;
  /**
   * Validates and runs one call from the screen. Electron IPC and the browser preview both call
   * this: handler failures go to the app log with their stack, and are counted in `stats`.
   */
  dispatch(channel: unknown, args: unknown): Promise<Result<unknown>>;
  stats: DispatchStats;
  /** Settings as loaded at start. */
  settings: Settings;
  vision: VisionEngine | null;
  violationLog: ViolationLog | null;
  /** Why the pipeline is not running, in words for the screen; null when it runs. */
  problem: string | null;
  dispose(): Promise<void>;
}

export async function createKioskCore(options: CoreOptions): Promise<KioskCore> {
  keepPrivate(options.userDataDir);
  const appLog = options.appLog ?? new AppLog(join(options.userDataDir, 'logs'));
  const auditLog = openAuditLog(appLog.dir);
  const now = options.now ?? Date.now;
  const log: Logger = (level, message) => {
    appLog.write(level, message);
    (options.log ?? ((l, m) => console[l](m)))(level, message);
  };
  const settingsFile = join(options.userDataDir, 'settings.json');
  const loaded = loadSettings(settingsFile);
  if (loaded.warning) log('warn', loaded.warning);
  let settings = loaded.settings;
  const notices: Message[] = loaded.warning ? [message('settings_reset', { detail: loaded.warning })] : [];

  let vision: VisionEngine | null = null;
  let problem: string | null = null;
  const noseCheckFolder = (s: Settings): string | null => {
    if (!s.model.noseCheck) return null;
    const folder = join(options.modelsDir, 'nose-check');
    if (existsSync(join(folder, 'model.onnx'))) return folder;
    // The kiosk still judges masks without it; it only misses more masks worn below the nose.
    log('warn', `vision: the nose check is missing (${folder}); masks are judged by the classifier alone`);
    return null;
  };
  const pipelineOptions = (s: Settings) => ({
    detectorFolder: join(options.modelsDir, 'face-detector'),
    classifierFolder: s.model.folder ?? join(options.modelsDir, 'facemask-default'),
    noseCheckFolder: noseCheckFolder(s),
    detector: { minScore: s.detection.minScore },
    labelOverrides: s.model.labelOverrides,
    ...(options.classifySchedule === undefined ? {} : { classifySchedule: options.classifySchedule }),
  });
  try {
    vision = await VisionEngine.start({
      launch: options.visionEngine,
      pipeline: pipelineOptions(settings),
      log,
      // The screen learns at once that the engine is restarting or back, not at the next frame.
      onStateChange: () => publishStatus(),
    });
    log(
      'info',
      `vision: model ${vision.info.modelId}; provider ${vision.info.providers.classifier}; detector provider ${vision.info.providers.detector}`,
    );
    if (vision.info.providerNote) {
      log('warn', `vision: ${vision.info.providerNote}`);
      notices.push(message('provider_fallback', { detail: vision.info.providerNote }));
    }
  } catch (err) {
    problem = errorMessage(err);
    log('error', `vision: not running: ${problem}`);
  }

  const trackerOptions = (s: Settings) => complianceOptions(s.compliance);
  const tracker = new ComplianceTracker(trackerOptions(settings));
  let cameraLabel = settings.camera.deviceId ?? 'default';
  // What the screen last said of its camera (live, lost, absent…), for the site's health list.
  let cameraState = 'starting';
  let violationLog: ViolationLog | null = null;
  try {
    violationLog = ViolationLog.open({
      dir: join(options.userDataDir, 'log'),
      snapshotMode: () => settings.privacy.snapshot,
      retention: () => settings.retention,
      modelId: () => vision?.info.modelId ?? 'unknown',
      cameraId: () => cameraLabel,
      log,
      now: options.now,
      onWriteState: () => publishStatus(),
    });
    if (violationLog.warning) notices.push(message('log_problem', { detail: violationLog.warning }));
  } catch (err) {
    log('error', `violation log: cannot open: ${(err as Error).message}`);
  }
  const retentionTimer = setInterval(() => violationLog?.retain(), 24 * 3_600_000);
  retentionTimer.unref();

  // Frames answered over the last heartbeat period, for the site's kiosk health list.
  let framesSinceBeat = 0;
  let lastBeat = now();
  const box = options.secretBox ?? new KeyFileSecretBox(options.userDataDir);
  const site = new SiteReporting({
    outbox: violationLog ? new SiteOutbox(violationLog.store.db) : null,
    snapshotsDir: violationLog?.snapshotsDir ?? null,
    box,
    log,
    heartbeat: () => {
      const t = now();
      const fps = framesSinceBeat / Math.max(1, (t - lastBeat) / 1000);
      framesSinceBeat = 0;
      lastBeat = t;
      const s = status();
      return {
        state: s.engine.state,
        fps,
        model: s.model,
        provider: s.provider,
        camera: `${cameraLabel} (${cameraState})`,
        version: options.version,
        unlogged: violationLog?.writeState.violationsWaiting ?? 0,
      };
    },
    onStatus: () => publishStatus(),
  });
  await site.configure(settings.site);

  const analyze = vision
    ? createFrameHandler({
        vision,
        tracker,
        settings: () => settings,
        now: options.now,
        onEvents: (events, frame) => {
          options.onEvents?.(events);
          void violationLog?.record(events, frame);
        },
        onAsked: (asked, at) => violationLog?.recordAsked(asked, at),
        onStillFace: (box, frame) =>
          log(
            'info',
            `compliance: a face has not moved for ${Math.round(tracker.options.stillAfterMs / 1000)} s ` +
              `(${Math.round(box.width)} px wide at ${Math.round(box.x)},${Math.round(box.y)} of ${frame.width}x${frame.height}): ` +
              'taken for a picture (a poster, a screen, someone seated) and no longer judged while it stays there',
          ),
      })
    : null;

  const pin = new AdminPin(join(options.userDataDir, 'admin.json'));
  let setUp = false;
  // Every admin action is written to the audit log, which nothing else writes to, and the app log.
  const audit = (m: string): void => {
    auditLog.write('info', m);
    log('info', m);
  };
  const chooseSavePath = options.chooseSavePath ?? (async () => null);
  const admin = createAdminHandlers({
    pin,
    log: violationLog,
    chooseSavePath,
    exitKiosk: options.exitKiosk ?? (() => log('info', 'exit kiosk requested (no kiosk window to leave)')),
    audit,
    appLogTail: (lines) => appLog.tail(lines),
    now: options.now,
  });

  /** Staff hear at once when violations wait for room in the log (a full disk), and how many. */
  function logNotices(): Message[] {
    const state = violationLog?.writeState;
    if (!state?.problem) return [];
    return [message('log_unwritable', { waiting: state.violationsWaiting, detail: state.problem })];
  }

  function status(): AppStatus {
    return {
      productName: options.productName,
      version: options.version,
      provider: vision?.info.provider ?? null,
      model: vision?.info.modelId ?? null,
      problem: problem === null ? null : message('engine_failed', { detail: problem }),
      language: settings.language,
      secondLanguage: secondLanguageOf(settings),
      cameraDeviceId: settings.camera.deviceId,
      volume: settings.sound.volume,
      restAfterMinutes: settings.display.restAfterMinutes,
      refusedNote: { first: settings.display.refusedNote, second: settings.display.refusedNoteSecond },
      notices: [...notices, ...logNotices()],
      privacy: { snapshot: settings.privacy.snapshot, retentionDays: settings.retention.days },
      engine: vision ? vision.engineState : { state: 'absent', detail: problem },
      site: site.status(),
    };
  }

  /** Sends the status to the screen; checked against the contract first, as the screen's calls are. */
  function publishStatus(): void {
    if (!options.emit) return;
    const checked = events.status.safeParse(status());
    if (checked.success) options.emit('status', checked.data);
    else log('error', `status event not sent: ${checked.error.message}`);
  }

  const requireAdmin = admin.requireAdmin;
  const handlers: Handlers = {
    'app:status': () => status(),
    ...createScreenHandlers({
      analyze,
      problem,
      // Once a PIN exists the set-up is done for good: frames need not read admin.json again.
      setUp: () => (setUp ||= pin.state() !== 'unset'),
      onCamera: ({ label, state }) => {
        if (label) cameraLabel = label;
        cameraState = state;
      },
      onFrame: () => {
        framesSinceBeat++;
      },
      log,
      now,
    }),
    ...admin.handlers,
    ...createSettingsHandlers({
      file: settingsFile,
      box,
      requireAdmin,
      current: () => settings,
      apply: async (next, reloadEngine) => {
        settings = next;
        tracker.configure(trackerOptions(settings));
        let reloaded = false;
        if (reloadEngine && vision) {
          try {
            await vision.reconfigure(pipelineOptions(settings));
            reloaded = true;
          } catch (err) {
            log('warn', `vision: the new model settings could not be loaded (${errorMessage(err)}); the current ones stay until a restart`);
          }
        }
        options.onSettingsChanged?.(settings);
        await site.configure(settings.site);
        publishStatus();
        return { reloaded };
      },
      log,
    }),
    ...createSiteHandlers({
      site: () => settings.site,
      box,
      requireAdmin,
      now,
      chooseSavePath,
      audit,
    }),
  };

  const stats: DispatchStats = { rejected: 0, failed: 0 };
  const logFailure = (message: string, err: unknown): void =>
    log('error', `${message}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return {
    handlers,
    dispatch: (channel, args) => dispatch(handlers, channel, args, stats, logFailure),
    stats,
    settings,
    vision,
    violationLog,
    problem,
    dispose: async () => {
      clearInterval(retentionTimer);
      await site.dispose();
      await violationLog?.close();
      await vision?.dispose();
    },
  };
}
