// What the kiosk and its vision engine process say to each other, the same over Electron's
// utility-process port and over a Node child-process channel. The engine checks every request
// against these schemas, so a malformed message gets an error reply instead of a crash.
import { z } from 'zod';
import type { FrameResult, PipelineOptions } from './pipeline';
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

export type EngineReply =
  | { type: 'ready'; info: VisionInfo }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; result: FrameResult }
  | { type: 'memory'; id: number; memory: EngineMemory }
  | { type: 'error'; id: number | null; message: string };
