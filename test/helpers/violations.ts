// A violation as the kiosk hands it to the log, for tests that fill a log: a person without a
// mask, sure at 0.9, no snapshot; a test names only what it checks.
import type { NewViolation } from '../../src/main/log/store';

export type ViolationRow = Omit<NewViolation, 'at' | 'tzOffsetMinutes'>;

export const violationRow = (trackId: number, over: Partial<ViolationRow> = {}): ViolationRow => ({
  trackId,
  verdict: 'no_mask',
  confidence: 0.9,
  modelId: 'm',
  cameraId: 'c',
  snapshot: null,
  ...over,
});
