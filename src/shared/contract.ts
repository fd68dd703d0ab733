// Argument schemas and result types per channel. Main validates every call against these before
// a handler runs; the preload and renderer get their types from here.
import { z } from 'zod';
import { Pin, RefusedAttempts, UnlockResult } from './admin';
import type { Channel, EventName, Result } from './channels';
import { LANGUAGES } from './languages';
import { Message } from './messages';
import { EventKind, Guidance, ScreenState, Tone, TrackState } from './screen-states';
import { Settings, SNAPSHOT_MODES, VOICE_PROMPTS } from './settings';
import { KioskHealth, SiteDayCount, SitePage, SitePageQuery } from './site-review';
import { VERDICTS } from './verdicts';
import { AskedCounts, DayCount, DayRange, LogFilter, LogPage, LogPageQuery } from './violation-log';

export const AppStatus = z.object({
  productName: z.string(),
  version: z.string(),
  /** Execution provider the classifier runs on, e.g. "cpu" or "dml". */
  provider: z.string().nullable(),
  model: z.string().nullable(),
  /** Why the vision pipeline is not running (the renderer says it in the screen's language). */
  problem: Message.nullable(),
  /** Settings the kiosk screen needs. */
  language: z.enum(LANGUAGES),
  /** Shown under the first on the visitor screens; never the same as `language`. */
  secondLanguage: z.enum(LANGUAGES).nullable(),
  cameraDeviceId: z.string().nullable(),
  volume: z.number(),
  /** With nobody in view this long the screen rests (dims, looks less often); 0: never. */
  restAfterMinutes: z.number(),
  /** The facility's own line for refused visitors, in the first and the second language ('' none). */
  refusedNote: z.object({ first: z.string(), second: z.string() }),
  /** Things staff should know that do not stop the kiosk (a settings file that was reset, say). */
  notices: z.array(Message),
  /** What the kiosk keeps of faces, for the privacy line on the screen. */
  privacy: z.object({ snapshot: z.enum(SNAPSHOT_MODES), retentionDays: z.number() }),
  /** Reporting to the site database: off, or how it goes and how many violations wait. */
  site: z.object({
    state: z.enum(['off', 'unconfigured', 'starting', 'shipping', 'idle', 'failing', 'schema', 'stopped']),
    queued: z.number(),
    problem: Message.nullable(),
  }),
  /** Whether the vision engine answers frames; `absent` when it never started (see `problem`). */
  engine: z.object({ state: z.enum(['running', 'restarting', 'down', 'absent']), detail: z.string().nullable() }),
});
export type AppStatus = z.infer<typeof AppStatus>;

/** The renderer scales camera frames to at most 640 px wide; main accepts up to full HD. */
export const FRAME_LIMITS = { minSide: 16, maxWidth: 1920, maxHeight: 1080 } as const;

export const Frame = z
  .object({
    width: z.number().int().min(FRAME_LIMITS.minSide).max(FRAME_LIMITS.maxWidth),
    height: z.number().int().min(FRAME_LIMITS.minSide).max(FRAME_LIMITS.maxHeight),
    /** RGBA, row-major, top row first. */
    data: z.instanceof(Uint8Array),
  })
  .refine((f) => f.data.byteLength === f.width * f.height * 4, {
    message: 'data must hold exactly width x height x 4 bytes (RGBA)',
    path: ['data'],
  });
export type Frame = z.infer<typeof Frame>;

/** A face's box in frame pixels: the pipeline's Box (src/main/vision/detector.ts) is this type. */
export const Box = z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() });
export type Box = z.infer<typeof Box>;

export const FrameResponse = z.object({
  state: ScreenState,
  guidance: Guidance.nullable(),
  faces: z.array(
    z.object({
      id: z.number(),
      box: Box,
      state: TrackState,
      guidance: Guidance.nullable(),
      pMask: z.number().nullable(),
      pIncorrect: z.number().nullable(),
    }),
  ),
  /** Played by the renderer; main has already applied mute, volume and quiet hours. */
  sound: Tone.nullable(),
  /** A spoken phrase to play after the tone (or alone), by the same policy. */
  voice: z.enum(VOICE_PROMPTS).nullable(),
  events: z.array(z.object({ kind: EventKind, verdict: z.enum(VERDICTS), trackId: z.number(), at: z.number() })),
  width: z.number(),
  height: z.number(),
  pipelineMs: z.number(),
});
export type FrameResponse = z.infer<typeof FrameResponse>;

export const CameraReport = z.object({
  state: z.enum(['starting', 'live', 'denied', 'absent', 'lost', 'stalled', 'error']),
  message: z.string().max(500).optional(),
  label: z.string().max(200).optional(),
});
export type CameraReport = z.infer<typeof CameraReport>;

export const AdminState = z.object({
  pinSet: z.boolean(),
  unlocked: z.boolean(),
  lockedUntil: z.number(),
  /** Set when the PIN file exists but cannot be read: admin is locked, and this says why and how to recover. */
  problem: z.string().nullable(),
  /** While unlocked: the wrong PINs tried before this unlock, since the one before; null when there were none. */
  refusedBefore: RefusedAttempts.nullable(),
});
export type AdminState = z.infer<typeof AdminState>;
const SnapshotName = z.string().regex(/^[\w.-]{1,100}\.jpg$/, 'not a snapshot name');

/** An export written where staff chose (and how many rows), or the choice cancelled. */
const ExportResult = z.union([z.object({ path: z.string(), rows: z.number() }), z.object({ cancelled: z.literal(true) })]);

export const contract = {
  'app:status': { args: z.tuple([]), result: AppStatus },
  'frame:analyze': { args: z.tuple([Frame]), result: FrameResponse },
  'camera:report': { args: z.tuple([CameraReport]), result: z.null() },
  'admin:state': { args: z.tuple([]), result: AdminState },
  'admin:setPin': { args: z.tuple([Pin]), result: z.null() },
  'admin:unlock': { args: z.tuple([Pin]), result: UnlockResult },
  'admin:lock': { args: z.tuple([]), result: z.null() },
  'app:exitKiosk': { args: z.tuple([]), result: z.null() },
  'log:page': { args: z.tuple([LogPageQuery]), result: LogPage },
  'log:perDay': { args: z.tuple([DayRange]), result: z.array(DayCount) },
  'log:asked': { args: z.tuple([DayRange]), result: AskedCounts },
  'log:update': {
    args: z.tuple([
      z
        .object({
          id: z.number().int().min(1),
          reviewed: z.boolean().optional(),
          falsePositive: z.boolean().optional(),
          note: z.string().max(1000).nullable().optional(),
        })
        .strict(),
    ]),
    result: z.boolean(),
  },
  'log:delete': { args: z.tuple([z.object({ ids: z.array(z.number().int().min(1)).min(1).max(500) })]), result: z.number() },
  'log:snapshot': { args: z.tuple([z.object({ name: SnapshotName })]), result: z.instanceof(Uint8Array).nullable() },
  'log:exportCsv': { args: z.tuple([LogFilter]), result: ExportResult },
  'log:exportDaysCsv': { args: z.tuple([DayRange]), result: ExportResult },
  'log:appLog': { args: z.tuple([z.object({ lines: z.number().int().min(1).max(2000) })]), result: z.array(z.string()) },
  'renderer:error': {
    args: z.tuple([z.object({ message: z.string().max(4000), source: z.string().max(500).optional() })]),
    result: z.null(),
  },
  'settings:get': { args: z.tuple([]), result: Settings },
  'settings:set': {
    // The site password travels only this way, once, when staff type a new one; main seals it.
    args: z.tuple([
      Settings,
      z
        .object({ sitePassword: z.string().min(1).max(256).optional(), reviewPassword: z.string().min(1).max(256).optional() })
        .strict()
        .optional(),
    ]),
    result: z.object({ settings: Settings, restartNeeded: z.boolean() }),
  },
  'site:page': { args: z.tuple([SitePageQuery]), result: SitePage },
  'site:perDay': { args: z.tuple([DayRange]), result: z.array(SiteDayCount) },
  'site:health': { args: z.tuple([]), result: z.array(KioskHealth) },
  'site:exportDaysCsv': { args: z.tuple([DayRange]), result: ExportResult },
} satisfies Record<Channel, { args: z.ZodTuple; result: z.ZodType }>;

export type Contract = typeof contract;

/** What each main-to-renderer event carries; main checks a payload against it before sending. */
export const events = {
  /** The whole status again whenever part of it changes: settings saved, engine down or back, a new notice. */
  status: AppStatus,
} satisfies Record<EventName, z.ZodType>;
export type EventOf<E extends EventName> = z.infer<(typeof events)[E]>;
export type ArgsOf<C extends Channel> = z.infer<Contract[C]['args']>;
export type ResultOf<C extends Channel> = Result<z.infer<Contract[C]['result']>>;
