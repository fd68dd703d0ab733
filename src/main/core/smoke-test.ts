// `Mask Kiosk --smoke-test`: proves a packaged app starts on the machine that built it (the
// release workflow runs it before uploading): the core starts its vision engine with the packaged
// models and native modules (ONNX Runtime and its DLLs, sharp, SQLite) and answers one frame.
import type { KioskCore } from './core';

export const SMOKE_TEST_FLAG = '--smoke-test';

/** One line saying what answered, or throws saying what did not. */
export async function runSmokeTest(core: KioskCore): Promise<string> {
  if (!core.vision) throw new Error(`smoke test: the vision engine did not start: ${core.problem ?? 'no reason given'}`);
  if (!core.violationLog) throw new Error('smoke test: the violation log (SQLite) did not open');
  const width = 320;
  const height = 240;
  const frame = { data: new Uint8Array(width * height * 4).fill(128), width, height, channels: 4 as const };
  const result = await core.vision.analyzeFrame(frame);
  return `smoke test: ok; model ${core.vision.info.modelId} on ${core.vision.info.provider} answered a ${width}x${height} frame (${result.faces.length} faces) in ${result.timings.total.toFixed(1)} ms`;
}
