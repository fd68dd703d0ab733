// Someone short standing close to a camera set for adults: the frame's bottom edge cuts their face
// at the nose. The kiosk cannot see whether a mask is there, so it asks them to step back (no
// verdict, nothing logged; with spoken prompts on, it says so too), and judges them once their
// whole face is in the picture. Real
// Chromium, fake camera, the shipped models. Screenshot: test/.cache/e2e/step-back.png.
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewServer } from '../../src/cli/preview-server';
import type { ComplianceEvent } from '../../src/main/compliance/tracker';
import { VisionPipeline } from '../../src/main/vision/pipeline';
import { chromiumMissing } from '../helpers/browser';
import { type OpenKiosk, openKiosk, soundsFetched } from '../helpers/kiosk';
import { CONTRACT_MODEL_DIR, DETECTOR_DIR, manifest, REPO_ROOT, SCRATCH_DIR } from '../helpers/paths';
import { makeClip } from '../helpers/video';

const SHOTS = join(SCRATCH_DIR, 'e2e');
const missing = chromiumMissing();
if (missing) console.warn(`step-back.test.ts skipped: ${missing}`);

describe.skipIf(Boolean(missing))('kiosk: a face cut off by the bottom of the picture', () => {
  let kiosk: OpenKiosk | undefined;
  let server: PreviewServer;
  let page: Page;
  const events: ComplianceEvent[] = [];

  beforeAll(async () => {
    const row = manifest().find((r) => r.split === 'test' && r.label === 'without_mask' && r.width >= 300 && r.height >= 300)!;
    // The clip fits the portrait inside 300 x 320 px; placed so that the frame's bottom edge runs
    // across the nose tip.
    const pipeline = await VisionPipeline.load({ detectorFolder: DETECTOR_DIR, classifierFolder: CONTRACT_MODEL_DIR });
    const [face] = (await pipeline.analyzeImage(row.path)).faces;
    await pipeline.dispose();
    const scale = Math.min(300 / row.width, 320 / row.height);
    const clip = await makeClip([
      { image: row.path, seconds: 4, top: Math.round(480 - face!.keypoints.noseTip.y * scale) },
      { image: row.path, seconds: 4 },
    ]);
    // Spoken prompts on: the request is said as well as shown, for visitors who cannot read it.
    kiosk = await openKiosk({ fakeVideo: clip, settings: { sound: { prompts: 'both' } }, onEvents: (e) => events.push(...e) });
    ({ server, page } = kiosk);
  }, 300_000);

  afterAll(() => kiosk?.close());

  it('asks the person to step back, logs nothing, then judges the whole face', async () => {
    mkdirSync(SHOTS, { recursive: true });
    const audio = soundsFetched(page);
    await page.goto(server.url);
    const main = page.locator('main');
    await expect.poll(() => main.getAttribute('data-guidance'), { timeout: 30_000, interval: 20 }).toBe('step_back');
    expect(await main.getAttribute('data-state')).toBe('guidance');
    expect(await page.locator('main h1').innerText()).toBe('Please step back a little');
    await expect.poll(() => main.getAttribute('data-sounds'), { timeout: 2_000 }).toBe('voice:step_back');
    // The phrase itself, "Please step back a little", is fetched and played, and no tone.
    await expect.poll(() => audio, { timeout: 5_000 }).toEqual([expect.stringMatching(/step_back-[\w-]+\.wav$/)]);
    const phrase = await page.request.get(new URL(audio[0]!, server.url).toString());
    expect((await phrase.body()).length).toBe(statSync(join(REPO_ROOT, 'assets', 'voice', 'en', 'step_back.wav')).size);
    await page.screenshot({ path: join(SHOTS, 'step-back.png') });
    // The face's label, long here and on a box right of centre, stays whole inside the preview.
    const view = (await page.locator('.view').boundingBox())!;
    const label = (await page.locator('.view .label').first().boundingBox())!;
    expect(label.x).toBeGreaterThanOrEqual(view.x);
    expect(label.x + label.width).toBeLessThanOrEqual(view.x + view.width + 0.5);
    expect(events).toEqual([]);
    await expect.poll(() => main.getAttribute('data-state'), { timeout: 10_000, interval: 20 }).toBe('violation');
    await expect.poll(() => events.map((e) => e.kind), { timeout: 5_000 }).toEqual(['violation']);
    expect(server.stats).toEqual({ rejected: 0, failed: 0 });
  }, 60_000);
});
