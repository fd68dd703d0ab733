// What the main thread and the vision worker say to each other. The worker checks every request
// against these schemas, so a malformed message gets an error reply instead of a crash.
import { z } from 'zod';
import type { FrameResult, PipelineOptions } from './pipeline';
import type { RuntimeOptions } from './runtime';

/** Pipeline options that can cross a thread: everything but the runtime's injected environment. */
export type ThreadPipelineOptions = Partial<Omit<PipelineOptions, 'runtime'>> &
  Pick<PipelineOptions, 'detectorFolder' | 'classifierFolder'> & { runtime?: Omit<RuntimeOptions, 'environment'> };

/** What the loaded pipeline runs: shown on the status strip and written to the app log. */
export interface VisionInfo {
  modelId: string;
  /** The provider the classifier actually runs on. */
  provider: string;
  providers: { detector: string; classifier: string };
}

export const analyzeRequest = z.strictObject({
  type: z.literal('analyze'),
  id: z.number().int().nonnegative(),
  width: z.number().int().positive().max(8192),
  height: z.number().int().positive().max(8192),
  channels: z.union([z.literal(3), z.literal(4)]),
  data: z.instanceof(Uint8Array),
}).refine((r) => r.data.length === r.width * r.height * r.channels, {
  message: 'length does not match width x height x channels',
  path: ['data'],
});

export const workerRequest = z.discriminatedUnion('type', [
  analyzeRequest,
  z.strictObject({ type: z.literal('dispose') }),
  z.strictObject({ type: z.literal('memory'), id: z.number().int().nonnegative() }),
]);

/** The worker's own V8 heap, in bytes (the process's RSS covers every thread). */
export interface WorkerMemory {
  heapUsed: number;
  heapTotal: number;
  external: number;
}

export type AnalyzeRequest = z.infer<typeof analyzeRequest>;

export type WorkerReply =
  | { type: 'ready'; info: VisionInfo }
  | { type: 'failed'; message: string }
  /** `data` is the request's pixel buffer, handed back so the main thread can reuse it. */
  | { type: 'result'; id: number; result: FrameResult; data: Uint8Array<ArrayBuffer> }
  | { type: 'memory'; id: number; memory: WorkerMemory }
  | { type: 'error'; id: number | null; message: string; data: Uint8Array<ArrayBuffer> | null };
