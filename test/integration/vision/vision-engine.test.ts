import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forkEngine } from '../../../src/main/vision/engine-process';
import type { RawImage } from '../../../src/main/vision/image';
import { VisionPipeline } from '../../../src/main/vision/pipeline';
import { VisionEngine, VisionEngineError } from '../../../src/main/vision/vision-engine';
import { DETECTOR_DIR, REPO_ROOT, sample } from '../../helpers/paths';
import { cameraFrame, crashEngine, firstReadAs, sourceEngine } from '../../helpers/vision';
import { until } from '../../helpers/wait';

const CLASSIFIER_DIR = join(REPO_ROOT, 'models', 'facemask-default');
// Every frame classified, so the engine and the pipeline in this process answer each frame alike
// whatever time it arrives (the schedule has tests of its own).
const pipelineOptions = { detectorFolder: DETECTOR_DIR, classifierFolder: CLASSIFIER_DIR, classifySchedule: null };

/** The portrait at 60 % of the frame's height, as a visitor close to the kiosk. */
const frameFrom = (path: string, width = 640, height = 480): Promise<RawImage> =>
  cameraFrame(path, { width, height, side: Math.round(height * 0.6) });

/** The first test portrait whose camera frame the pipeline reads clearly as `verdict`. */
function clearPortrait(label: 'with_mask' | 'without_mask', verdict: 'mask' | 'no_mask', width = 640, height = 480): Promise<string> {
  return firstReadAs(
    sample('test', label, 20).map((r) => r.path),
    verdict,
    0.9,
    async (p) => (await direct.analyzeFrame(await frameFrom(p, width, height))).faces,
  );
}

let engine: VisionEngine;
let direct: VisionPipeline;
let scratch: string;
const logs: string[] = [];
beforeAll(async () => {
  engine = await VisionEngine.start({ launch: sourceEngine(), pipeline: pipelineOptions, log: (level, m) => logs.push(`${level}: ${m}`) });
  direct = await VisionPipeline.load(pipelineOptions);
  scratch = mkdtempSync(join(tmpdir(), 'engine-'));
});
afterAll(async () => {
  await engine.dispose();
  await direct.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

const FAULTY_ENGINE = pathToFileURL(join(REPO_ROOT, 'test', 'fixtures', 'engines', 'faulty-engine.ts'));
let faults = 0;
/** The real engine with one fault (see the fixture); each call gets its own marker file. */
const faultyEngine = (fault: 'hang' | 'abort' | 'abort-unless-cpu' | 'garbage') =>
  forkEngine(FAULTY_ENGINE, { args: [fault, join(scratch, `fault-${faults++}`)] });

/** True while a process with this id exists (signal 0 only asks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('vision engine process', () => {
  it('says which model and provider it runs, from a process of its own', () => {
    expect(engine.info.modelId).toBe(direct.classifier.model.id);
    expect(engine.info.provider).toBe(direct.activeProvider);
    expect(engine.info.providerNote).toBeUndefined();
    expect(engine.pid).toBeGreaterThan(0);
    expect(engine.pid).not.toBe(process.pid);
  });

  it.skipIf(process.platform !== 'linux')('takes frames through shared memory whose name is gone once it has answered', async () => {
    const [row] = sample('test', 'with_mask', 1);
    expect((await engine.analyzeFrame(await frameFrom(row!.path))).faces.length).toBeGreaterThan(0);
    const open = readdirSync(`/proc/${engine.pid}/fd`).map((fd) => {
      try {
        return readlinkSync(`/proc/${engine.pid}/fd/${fd}`);
      } catch {
        return '';
      }
    });
    const shared = open.filter((target) => target.startsWith('/dev/shm/mask-kiosk-'));
    expect(shared).toHaveLength(1);
    expect(shared[0]).toMatch(/\/frames \(deleted\)$/);
  });

  it('answers exactly as the pipeline does in the calling process, and leaves the caller its frame', async () => {
    const rows = [...sample('test', 'without_mask', 2), ...sample('test', 'with_mask', 2)];
    for (const row of rows) {
      const frame = await frameFrom(row.path);
      const before = Buffer.from(frame.data);
      const viaEngine = await engine.analyzeFrame(frame);
      expect(Buffer.from(frame.data).equals(before)).toBe(true);
      const inline = await direct.analyzeFrame(frame);
      expect(viaEngine.faces.length).toBe(inline.faces.length);
      expect(viaEngine.faces.length).toBeGreaterThan(0);
      viaEngine.faces.forEach((face, i) => {
        const other = inline.faces[i]!;
        expect(face.verdict).toBe(other.verdict);
        expect(face.box).toEqual(other.box);
        for (const [label, p] of Object.entries(other.probabilities)) expect(face.probabilities[label]).toBeCloseTo(p, 6);
      });
      expect(viaEngine.timings.handoff).toBeGreaterThanOrEqual(0);
      expect(viaEngine.timings.total).toBeGreaterThanOrEqual(viaEngine.timings.detect + viaEngine.timings.classify);
    }
  });

  it('keeps frames apart when more arrive together than shared memory has slots for', async () => {
    const a = await frameFrom(await clearPortrait('without_mask', 'no_mask'), 640, 480);
    const b = await frameFrom(await clearPortrait('with_mask', 'mask', 320, 240), 320, 240);
    const expected = [(await direct.analyzeFrame(a)).faces[0]?.verdict, (await direct.analyzeFrame(b)).faces[0]?.verdict];
    expect(expected[0]).not.toBe(expected[1]);
    // Six at once: four travel through the shared slots, the rest inside their messages.
    const frames = [a, b, a, b, a, b];
    const results = await Promise.all(frames.map((f) => engine.analyzeFrame(f)));
    expect(results.map((r) => r.width)).toEqual([640, 320, 640, 320, 640, 320]);
    expect(results.map((r) => r.faces[0]?.verdict)).toEqual([...expected, ...expected, ...expected]);
  });

  it('answers a malformed frame with an error and keeps running', async () => {
    const bad: RawImage = { data: new Uint8Array(100), width: 640, height: 480, channels: 4 };
    await expect(engine.analyzeFrame(bad)).rejects.toThrow(
      /malformed vision request: data: length does not match width x height x channels/,
    );
    const empty: RawImage = { data: new Uint8Array(640 * 480 * 4).fill(90), width: 640, height: 480, channels: 4 };
    expect((await engine.analyzeFrame(empty)).faces).toEqual([]);
  });

  it('reports its own heap and resident memory', async () => {
    const m = await engine.memory();
    expect(m.heapUsed).toBeGreaterThan(1e6);
    expect(m.heapTotal).toBeGreaterThanOrEqual(m.heapUsed);
    expect(m.rss).toBeGreaterThan(m.heapTotal);
  });

  it("fails to start with the pipeline's own message when a model folder is missing", async () => {
    const missing = { ...pipelineOptions, classifierFolder: join(REPO_ROOT, 'models', 'no-such-model') };
    const expected = await VisionPipeline.load(missing).then(
      () => 'loaded',
      (err: Error) => err.message,
    );
    expect(expected).toMatch(/no-such-model/);
    await expect(VisionEngine.start({ launch: sourceEngine(), pipeline: missing })).rejects.toThrow(expected);
  });

  it('restarts after its process is killed, after a growing pause; after too many deaths in a row it rests, then tries again', async () => {
    const events: string[] = [];
    const e = await VisionEngine.start({
      launch: sourceEngine(),
      pipeline: pipelineOptions,
      restarts: { firstDelayMs: 100, max: 2, windowMs: 60_000, retryAfterMs: 1500 },
      log: (level, m) => events.push(`${level}: ${m}`),
    });
    try {
      const frame = await frameFrom(await clearPortrait('without_mask', 'no_mask'));
      for (const pause of ['100 ms', '200 ms']) {
        const first = e.pid!;
        const inFlight = e.analyzeFrame(frame);
        crashEngine(e);
        await expect(inFlight).rejects.toBeInstanceOf(VisionEngineError);
        await expect(e.analyzeFrame(frame)).rejects.toThrow(/vision engine is restarting \(ended by SIGKILL\)/);
        expect(events.at(-1)).toBe(`warn: vision: engine stopped (ended by SIGKILL); restarting in ${pause}`);
        await until(async () => e.pid !== undefined);
        expect(e.pid).not.toBe(first);
        expect((await e.analyzeFrame(frame)).faces[0]?.verdict).toBe('no_mask');
      }

      crashEngine(e);
      await until(async () => events.some((m) => m.startsWith('error:')));
      await expect(e.analyzeFrame(frame)).rejects.toThrow(/stopped: ended by SIGKILL; 3 times in 60 s; next try in 2 s/);
      await until(async () => events.includes('info: vision: trying to start the engine again') && e.pid !== undefined);
      expect((await e.analyzeFrame(frame)).faces[0]?.verdict).toBe('no_mask');
    } finally {
      await e.dispose();
    }
  });

  it('kills an engine stuck in a blocking native call, answers its frame as unavailable, and carries on with a new one', async () => {
    const events: string[] = [];
    const e = await VisionEngine.start({
      launch: faultyEngine('hang'),
      pipeline: pipelineOptions,
      frameTimeoutMs: 1500,
      restarts: { firstDelayMs: 100 },
      log: (level, m) => events.push(`${level}: ${m}`),
    });
    try {
      const frame = await frameFrom(await clearPortrait('with_mask', 'mask'));
      const stuck = e.pid!;
      await expect(e.analyzeFrame(frame)).rejects.toThrow(/vision engine is restarting \(no answer to a frame within 2 s; killed\)/);
      expect(alive(stuck)).toBe(false);
      await until(async () => e.pid !== undefined);
      expect((await e.analyzeFrame(frame)).faces[0]?.verdict).toBe('mask');
      expect(events).toContain('warn: vision: engine stopped (no answer to a frame within 2 s; killed); restarting in 100 ms');
    } finally {
      await e.dispose();
    }
  });

  it('checks every reply: one that is not an engine reply gets the engine killed and replaced, and its frame answered unavailable', async () => {
    const events: string[] = [];
    const e = await VisionEngine.start({
      launch: faultyEngine('garbage'),
      pipeline: pipelineOptions,
      restarts: { firstDelayMs: 100 },
      log: (level, m) => events.push(`${level}: ${m}`),
    });
    try {
      const frame = await frameFrom(await clearPortrait('with_mask', 'mask'));
      await expect(e.analyzeFrame(frame)).rejects.toThrow(
        /vision engine is restarting \(it sent a malformed reply \(result\.\w+: .*\); killed\)/,
      );
      await until(async () => e.pid !== undefined);
      expect((await e.analyzeFrame(frame)).faces[0]?.verdict).toBe('mask');
      expect(events.some((l) => /engine stopped \(it sent a malformed reply/.test(l))).toBe(true);
    } finally {
      await e.dispose();
    }
  });

  it('reaps an engine that aborts (a native crash), answers its frame as unavailable, and carries on with a new one', async () => {
    const e = await VisionEngine.start({ launch: faultyEngine('abort'), pipeline: pipelineOptions, restarts: { firstDelayMs: 100 } });
    try {
      const frame = await frameFrom(await clearPortrait('with_mask', 'mask'));
      await expect(e.analyzeFrame(frame)).rejects.toThrow(/vision engine is restarting \(ended by SIGABRT\)/);
      await until(async () => e.pid !== undefined);
      expect((await e.analyzeFrame(frame)).faces[0]?.verdict).toBe('mask');
    } finally {
      await e.dispose();
    }
  });

  it("falls back to the CPU, and says why, when loading on the platform's providers crashes the engine", async () => {
    const events: string[] = [];
    const e = await VisionEngine.start({
      launch: faultyEngine('abort-unless-cpu'),
      pipeline: pipelineOptions,
      log: (level, m) => events.push(`${level}: ${m}`),
    });
    try {
      expect(e.info.provider).toBe('cpu');
      expect(e.info.providerNote).toBe("the engine ended (ended by SIGABRT) while loading on the platform's providers; running on the CPU");
      expect(events).toEqual(['warn: vision: the engine ended (ended by SIGABRT) while loading its models; trying the CPU only']);
      const frame = await frameFrom(await clearPortrait('without_mask', 'no_mask'));
      expect((await e.analyzeFrame(frame)).faces[0]?.verdict).toBe('no_mask');
      // A restart keeps to the CPU rather than crash on the GPU again.
      crashEngine(e);
      await until(async () => e.pid !== undefined);
      expect(e.info.provider).toBe('cpu');
    } finally {
      await e.dispose();
    }
  });
});
