// Debian's Chromium driven by playwright-core, headless, with an optional fake camera.

import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} not found (apt-get install chromium)`;
}

export async function launchChromium(options: { fakeVideo?: string } = {}): Promise<Browser> {
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--autoplay-policy=no-user-gesture-required',
  ];
  if (options.fakeVideo) {
    args.push(
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${options.fakeVideo}`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args, headless: true });
}

/**
 * A fresh Chromium with one page of `viewport` (the kiosk's 1280x720 by default) for `use`, closed
 * afterwards whatever happens.
 */
export async function withPage<T>(
  options: { fakeVideo?: string; viewport?: { width: number; height: number } },
  use: (page: Page) => Promise<T>,
): Promise<T> {
  const browser = await launchChromium(options.fakeVideo ? { fakeVideo: options.fakeVideo } : {});
  try {
    return await use(await browser.newPage({ viewport: options.viewport ?? { width: 1280, height: 720 } }));
  } finally {
    await browser.close();
  }
}

/** Finishes the first-run set-up the way staff would, minus the screens: an admin PIN, then locked. */
export async function finishSetup(
  server: { core: { handlers: { 'admin:setPin': (a: { pin: string }) => unknown; 'admin:lock': () => unknown } } },
  pin = '2468',
): Promise<void> {
  await server.core.handlers['admin:setPin']({ pin });
  await server.core.handlers['admin:lock']();
}
