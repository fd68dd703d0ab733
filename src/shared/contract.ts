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
});
export type AppStatus = z.infer<typeof AppStatus>;

export const contract = {
  'app:status': { args: z.tuple([]), result: AppStatus },
} satisfies Record<Channel, { args: z.ZodTuple; result: z.ZodType }>;

export type Contract = typeof contract;
export type ArgsOf<C extends Channel> = z.infer<Contract[C]['args']>;
export type ResultOf<C extends Channel> = Result<z.infer<Contract[C]['result']>>;
