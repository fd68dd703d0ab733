// How fast the screen reacts to a change, in real Chromium with the fake camera: a person is
// thanked with the mask on, then the same person stands there without it (the synthetic
// three-verdict set gives the same face both ways). The page notes when the camera's picture
// changed (the clip is two stills, so the first frame that differs is the change) and when the
// screen turned red. Measured with every frame classified and as the kiosk schedules it; the
// times are printed, and the test asks only that both turn red.
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { VisionPipeline } from '../../src/main/vision/pipeline';
import { chromiumMissing, finishSetup, launchChromium } from '../helpers/browser';
import { openPreview } from '../helpers/kiosk';
import { DETECTOR_DIR, REPO_ROOT } from '../helpers/paths';
import { syntheticLondonSet } from '../helpers/synthetic-london';
import { makeClip } from '../helpers/video';

const missing = chromiumMissing();
if (missing) console.warn(`reaction.test.ts skipped: ${missing}`);

/** A person of the synthetic set whom the default model reads clearly both ways. */
async function masksOff(): Promise<{ masked: string; bare: string }> {
  const set = syntheticLondonSet();
  const pipeline = await VisionPipeline.load({
    detectorFolder: DETECTOR_DIR,
    classifierFolder: join(REPO_ROOT, 'models', 'facemask-default'),
  });
  try {
    for (const file of ['canada-003f.jpg', 'canada-019f.jpg', 'canada-024f.jpg']) {
      const masked = join(set, 'with_mask', file);
      const bare = join(set, 'without_mask', file);
      const [m, b] = [(await pipeline.analyzeImage(masked)).faces[0], (await pipeline.analyzeImage(bare)).faces[0]];
      if (m?.verdict === 'mask' && m.confidence > 0.9 && b?.verdict === 'no_mask' && b.confidence > 0.9) return { masked, bare };
    }
    throw new Error('no person of the synthetic set reads clearly masked and bare');
  } finally {
    await pipeline.dispose();
  }
}

/** Milliseconds from the camera's change to the red screen, measured in the page. */
async function reactionMs(browser: Browser, url: string): Promise<number> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  try {
    await page.goto(url);
    await page.locator('main[data-state="compliant"]').waitFor({ timeout: 30_000 });
    return await page.evaluate(
      () =>
        new Promise<number>((resolve, reject) => {
          const video = document.querySelector('video')!;
          const main = document.querySelector('main')!;
          const ctx = new OffscreenCanvas(32, 24).getContext('2d', { willReadFrequently: true })!;
          let previous: Uint8ClampedArray | null = null;
          let changedAt: number | null = null;
          const onFrame = (now: number) => {
            ctx.drawImage(video, 0, 0, 32, 24);
            const pixels = ctx.getImageData(0, 0, 32, 24).data;
            let diff = 0;
            if (previous) for (let i = 0; i < pixels.length; i++) diff += Math.abs(pixels[i]! - previous[i]!);
            if (previous && changedAt === null && diff / pixels.length > 2) changedAt = now;
            previous = pixels;
            if (changedAt === null) video.requestVideoFrameCallback(onFrame);
          };
          video.requestVideoFrameCallback(onFrame);
          new MutationObserver(() => {
            if (changedAt !== null && main.dataset.state === 'violation') resolve(performance.now() - changedAt);
          }).observe(main, { attributes: true, attributeFilter: ['data-state'] });
          setTimeout(() => reject(new Error(`no red screen; change seen: ${changedAt !== null}`)), 15_000);
        }),
    );
  } finally {
    await page.close();
  }
}

describe.skipIf(Boolean(missing))('the screen’s reaction to a mask taken off', () => {
  let clip: string;
  beforeAll(async () => {
    const { masked, bare } = await masksOff();
    clip = await makeClip([
      { image: masked, seconds: 4 },
      { image: bare, seconds: 4 },
    ]);
  }, 300_000);

  it('turns red after the mask comes off, classifying every frame and as scheduled', async () => {
    const measured: Record<string, number> = {};
    for (const [mode, classifySchedule] of [
      ['every frame', null],
      ['as scheduled', undefined],
    ] as const) {
      const { server, close } = await openPreview(classifySchedule === null ? { classifySchedule } : {});
      try {
        await finishSetup(server);
        const browser = await launchChromium({ fakeVideo: clip });
        try {
          measured[mode] = await reactionMs(browser, server.url);
        } finally {
          await browser.close();
        }
      } finally {
        await close();
      }
    }
    console.info(
      `e2e reaction, camera change to red screen: ${Object.entries(measured)
        .map(([m, ms]) => `${m} ${ms.toFixed(0)} ms`)
        .join(', ')}`,
    );
    expect(Object.keys(measured)).toHaveLength(2);
  }, 180_000);
});
