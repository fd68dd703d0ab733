// Argument schemas and result types per channel. Main validates every call against these before
// a handler runs; the preload and renderer get their types from here.
import { z } from 'zod';
import type { Channel, Result } from './channels';

export const AppStatus = z.object({
  productName: z.string(),
  version: z.string(),
  /** Execution provider the classifier runs on, e.g. "cpu" or "dml". */
  provider: z.string().nullable(),
  model: z.string().nullable(),
  /** Why the vision pipeline is not running, in words for the person at the screen. */
  problem: z.string().nullable(),
  /** Settings the kiosk screen needs. */
  language: z.enum(['en', 'de']),
  cameraDeviceId: z.string().nullable(),
  volume: z.number(),
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

const Box = z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() });
export const ScreenState = z.enum(['idle', 'checking', 'guidance', 'compliant', 'violation']);
export const TrackState = z.enum(['checking', 'guidance', 'compliant', 'violation']);
export const Guidance = z.enum(['step_closer', 'face_camera', 'too_dark']);

export const FrameResponse = z.object({
  state: ScreenState,
  guidance: Guidance.nullable(),
  faces: z.array(z.object({ id: z.number(), box: Box, state: TrackState, guidance: Guidance.nullable(), pMask: z.number().nullable() })),
  /** Played by the renderer; main has already applied mute, volume and quiet hours. */
  sound: z.enum(['alert', 'chime']).nullable(),
  events: z.array(z.object({ kind: z.enum(['violation', 'compliant']), trackId: z.number(), at: z.number() })),
  width: z.number(),
  height: z.number(),
  pipelineMs: z.number(),
});
export type FrameResponse = z.infer<typeof FrameResponse>;

export const CameraReport = z.object({
  state: z.enum(['starting', 'live', 'denied', 'absent', 'lost', 'error']),
  message: z.string().max(500).optional(),
  label: z.string().max(200).optional(),
});
export type CameraReport = z.infer<typeof CameraReport>;

export const contract = {
  'app:status': { args: z.tuple([]), result: AppStatus },
  'frame:analyze': { args: z.tuple([Frame]), result: FrameResponse },
  'camera:report': { args: z.tuple([CameraReport]), result: z.null() },
} satisfies Record<Channel, { args: z.ZodTuple; result: z.ZodType }>;

export type Contract = typeof contract;
export type ArgsOf<C extends Channel> = z.infer<Contract[C]['args']>;
export type ResultOf<C extends Channel> = Result<z.infer<Contract[C]['result']>>;
