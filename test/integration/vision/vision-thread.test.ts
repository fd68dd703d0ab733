import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { VisionPipeline } from '../../../src/main/vision/pipeline';
import { VisionThread, VisionThreadError } from '../../../src/main/vision/vision-thread';
import type { RawImage } from '../../../src/main/vision/image';
import { DETECTOR_DIR, REPO_ROOT, VISION_WORKER_SOURCE, sample } from '../../helpers/paths';
import { cameraFrame, firstReadAs, killVisionWorker } from '../../helpers/vision';

const CLASSIFIER_DIR = join(REPO_ROOT, 'models', 'facemask-default');
const pipelineOptions = { detectorFolder: DETECTOR_DIR, classifierFolder: CLASSIFIER_DIR };

/** The portrait at 60 % of the frame's height, as a visitor close to the kiosk. */
const frameFrom = (path: string, width = 640, height = 480): Promise<RawImage> => cameraFrame(path, { width, height, side: Math.round(height * 0.6) });

/** The first test portrait whose camera frame the pipeline reads clearly as `verdict`. */
function clearPortrait(label: 'with_mask' | 'without_mask', verdict: 'mask' | 'no_mask', width = 640, height = 480): Promise<string> {
  return firstReadAs(sample('test', label, 20).map((r) => r.path), verdict, 0.9, async (p) => (await direct.analyzeFrame(await frameFrom(p, width, height))).faces);
}

async function until(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

let thread: VisionThread;
let direct: VisionPipeline;
const logs: string[] = [];
beforeAll(async () => {
  thread = await VisionThread.start({ entry: VISION_WORKER_SOURCE, pipeline: pipelineOptions, log: (level, m) => logs.push(`${level}: ${m}`) });
  direct = await VisionPipeline.load(pipelineOptions);
});
afterAll(async () => {
  await thread.dispose();
  await direct.dispose();
});

describe('vision thread', () => {
  it('says which model and provider it runs', () => {
    expect(thread.info.modelId).toBe(direct.classifier.model.id);
    expect(thread.info.provider).toBe(direct.activeProvider);
  });

  it('answers exactly as the pipeline does in the calling thread, and leaves the caller its frame', async () => {
    const rows = [...sample('test', 'without_mask', 2), ...sample('test', 'with_mask', 2)];
    for (const row of rows) {
      const frame = await frameFrom(row.path);
      const before = Buffer.from(frame.data);
      const viaThread = await thread.analyzeFrame(frame);
      expect(Buffer.from(frame.data).equals(before)).toBe(true);
      const inline = await direct.analyzeFrame(frame);
      expect(viaThread.faces.length).toBe(inline.faces.length);
      expect(viaThread.faces.length).toBeGreaterThan(0);
      viaThread.faces.forEach((face, i) => {
        const other = inline.faces[i]!;
        expect(face.verdict).toBe(other.verdict);
        expect(face.box).toEqual(other.box);
        for (const [label, p] of Object.entries(other.probabilities)) expect(face.probabilities[label]).toBeCloseTo(p, 6);
      });
      expect(viaThread.timings.handoff).toBeGreaterThanOrEqual(0);
      expect(viaThread.timings.total).toBeGreaterThanOrEqual(viaThread.timings.detect + viaThread.timings.classify);
    }
  });

  it('keeps frames of different sizes apart when they arrive together', async () => {
    const a = await frameFrom(await clearPortrait('without_mask', 'no_mask'), 640, 480);
    const b = await frameFrom(await clearPortrait('with_mask', 'mask', 320, 240), 320, 240);
    const [ra, rb] = await Promise.all([thread.analyzeFrame(a), thread.analyzeFrame(b)]);
    expect([ra.width, rb.width]).toEqual([640, 320]);
    expect(ra.faces[0]?.verdict).toBe((await direct.analyzeFrame(a)).faces[0]?.verdict);
    expect(rb.faces[0]?.verdict).toBe((await direct.analyzeFrame(b)).faces[0]?.verdict);
    expect(ra.faces[0]?.verdict).not.toBe(rb.faces[0]?.verdict);
  });

  it('answers a malformed frame with an error and keeps running', async () => {
    const bad: RawImage = { data: new Uint8Array(100), width: 640, height: 480, channels: 4 };
    await expect(thread.analyzeFrame(bad)).rejects.toThrow(/malformed vision request: data: length does not match width x height x channels/);
    const empty: RawImage = { data: new Uint8Array(640 * 480 * 4).fill(90), width: 640, height: 480, channels: 4 };
    expect((await thread.analyzeFrame(empty)).faces).toEqual([]);
  });

  it('reports its own heap', async () => {
    const m = await thread.memory();
    expect(m.heapUsed).toBeGreaterThan(1e6);
    expect(m.heapTotal).toBeGreaterThanOrEqual(m.heapUsed);
  });

  it('fails to start with the pipeline\'s own message when a model folder is missing', async () => {
    const missing = { ...pipelineOptions, classifierFolder: join(REPO_ROOT, 'models', 'no-such-model') };
    const expected = await VisionPipeline.load(missing).then(() => 'loaded', (err: Error) => err.message);
    expect(expected).toMatch(/no-such-model/);
    await expect(VisionThread.start({ entry: VISION_WORKER_SOURCE, pipeline: missing })).rejects.toThrow(expected);
  });

  it('restarts after its worker dies; after too many deaths in a row it rests, then tries again', async () => {
    const events: string[] = [];
    const t = await VisionThread.start({
      entry: VISION_WORKER_SOURCE, pipeline: pipelineOptions,
      restarts: { max: 1, windowMs: 60_000, retryAfterMs: 1500 },
      log: (level, m) => events.push(`${level}: ${m}`),
    });
    try {
      const frame = await frameFrom(await clearPortrait('without_mask', 'no_mask'));
      const inFlight = t.analyzeFrame(frame);
      await killVisionWorker(t);
      await expect(inFlight).rejects.toBeInstanceOf(VisionThreadError);
      await expect(t.analyzeFrame(frame)).rejects.toThrow(/restarting/);
      await until(async () => events.some((e) => e.includes('worker restarted')));
      expect((await t.analyzeFrame(frame)).faces[0]?.verdict).toBe('no_mask');

      await killVisionWorker(t);
      await until(async () => events.some((e) => e.startsWith('error:')));
      await expect(t.analyzeFrame(frame)).rejects.toThrow(/stopped: exit code 1; 2 times in 60 s; next try in 2 s/);
      await until(async () => events.filter((e) => e.includes('worker restarted')).length === 2);
      expect(events).toContain('info: vision: trying to start the worker again');
      expect((await t.analyzeFrame(frame)).faces[0]?.verdict).toBe('no_mask');
    } finally {
      await t.dispose();
    }
  });

  it('ends and replaces a worker that does not answer a frame in time', async () => {
    // A real frame takes milliseconds; a 1 ms limit makes the watchdog treat it as hung.
    const t = await VisionThread.start({ entry: VISION_WORKER_SOURCE, pipeline: pipelineOptions, frameTimeoutMs: 1, restarts: { max: 0, windowMs: 60_000 } });
    try {
      const [row] = sample('test', 'with_mask', 1);
      await expect(t.analyzeFrame(await frameFrom(row!.path))).rejects.toThrow(/stopped: no answer to a frame within 1 ms; 1 time in 60 s; next try in 5 min/);
    } finally {
      await t.dispose();
    }
  });
});
