// What the kiosk and its vision engine process say to each other, the same over Electron's
// utility-process port and over a Node child-process channel. Both sides check what arrives: the
// engine every request (a malformed one gets an error reply, not a crash), main every reply (a
// malformed one is treated as a broken engine, which is killed and restarted).
import { z } from 'zod';
import { VERDICTS } from '../../shared/verdicts';
import { KEYPOINT_NAMES } from './blazeface-decode';
import type { PipelineOptions } from './pipeline';
import { PROVIDER_NAMES, type RuntimeOptions } from './runtime';

/** Pipeline options that can cross a process: everything but the runtime's injected environment. */
export type EnginePipelineOptions = Partial<Omit<PipelineOptions, 'runtime'>> &
  Pick<PipelineOptions, 'detectorFolder' | 'classifierFolder'> & { runtime?: Omit<RuntimeOptions, 'environment'> };

/** What the loaded pipeline runs: shown on the status strip and written to the app log. */
export interface VisionInfo {
  modelId: string;
  /** The provider the classifier actually runs on. */
  provider: string;
  providers: { detector: string; classifier: string };
  /** Why the engine runs on another provider than the platform's first choice, when it does. */
  providerNote?: string;
}

export const analyzeRequest = z
  .strictObject({
    type: z.literal('analyze'),
    id: z.number().int().nonnegative(),
    width: z.number().int().positive().max(8192),
    height: z.number().int().positive().max(8192),
    channels: z.union([z.literal(3), z.literal(4)]),
    data: z.instanceof(Uint8Array),
    /** When the frame was taken, on the sender's clock; the engine's own clock when absent. */
    capturedAt: z.number().finite().optional(),
  })
  .refine((r) => r.data.length === r.width * r.height * r.channels, {
    message: 'length does not match width x height x channels',
    path: ['data'],
  });

// The options are checked only as far as the engine relies on them before the pipeline's own
// checks (which name a missing folder or a bad model in words) take over.
export const initRequest = z.object({
  type: z.literal('init'),
  pipeline: z
    .object({
      detectorFolder: z.string().min(1),
      classifierFolder: z.string().min(1),
      runtime: z
        .object({ providers: z.array(z.enum(PROVIDER_NAMES)).optional() })
        .passthrough()
        .optional(),
    })
    .passthrough(),
});

export const engineRequest = z.discriminatedUnion('type', [
  analyzeRequest,
  initRequest,
  z.strictObject({ type: z.literal('dispose') }),
  z.strictObject({ type: z.literal('memory'), id: z.number().int().nonnegative() }),
]);

/** The engine process's memory, in bytes: its V8 heap and its whole resident set. */
export interface EngineMemory {
  heapUsed: number;
  heapTotal: number;
  external: number;
  rss: number;
}

/** Any Uint8Array view: the pixels are copied into the message or the shared slot either way. */
export type AnalyzeRequest = Omit<z.infer<typeof analyzeRequest>, 'data'> & { data: Uint8Array };
export type EngineRequest =
  | AnalyzeRequest
  | { type: 'init'; pipeline: EnginePipelineOptions }
  | { type: 'dispose' }
  | { type: 'memory'; id: number };

const point = z.object({ x: z.number(), y: z.number() });
const probabilityMap = z.record(z.string(), z.number());
const faceResult = z.object({
  box: z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() }),
  keypoints: z.object(Object.fromEntries(KEYPOINT_NAMES.map((k) => [k, point])) as Record<(typeof KEYPOINT_NAMES)[number], typeof point>),
  detectorScore: z.number(),
  verdict: z.enum(VERDICTS),
  confidence: z.number(),
  verdictProbabilities: z.partialRecord(z.enum(VERDICTS), z.number()),
  probabilities: probabilityMap,
  noseUncovered: z.number().nullable(),
  noseDoubtAt: z.number().nullable(),
  brightness: z.number(),
});
const frameResult = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  faces: z.array(faceResult).max(64),
  classified: z.number().int().nonnegative(),
  timings: z.object({
    decode: z.number(),
    convert: z.number(),
    detect: z.number(),
    crop: z.number(),
    classify: z.number(),
    nose: z.number(),
    handoff: z.number(),
    total: z.number(),
  }),
});
const visionInfo = z.object({
  modelId: z.string(),
  provider: z.string(),
  providers: z.object({ detector: z.string(), classifier: z.string() }),
  providerNote: z.string().optional(),
});

/** Every reply the engine may send; anything else means the engine is not what main started. */
export const engineReply = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), info: visionInfo }),
  z.object({ type: z.literal('failed'), message: z.string() }),
  z.object({ type: z.literal('result'), id: z.number().int().nonnegative(), result: frameResult }),
  z.object({
    type: z.literal('memory'),
    id: z.number().int().nonnegative(),
    memory: z.object({ heapUsed: z.number(), heapTotal: z.number(), external: z.number(), rss: z.number() }),
  }),
  z.object({ type: z.literal('error'), id: z.number().int().nonnegative().nullable(), message: z.string() }),
]);

/** What the engine answers, as the schema above checks it. */
export type EngineReply = z.infer<typeof engineReply>;
